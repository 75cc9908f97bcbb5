"""Process-wide observability set-up from settings: logging with secret redaction."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, SecretStr

from simbiot.config import Settings
from simbiot.observability.logging import LoggingHandle, configure_logging
from simbiot.security.redaction import RedactingFilter, Redactor

__all__ = ["configured_secrets", "setup_logging"]


def configured_secrets(settings: BaseModel) -> Iterator[str]:
    """Yield every SecretStr value anywhere in ``settings`` (to be masked in logs)."""
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        yield from _secrets_in(value)


def _secrets_in(value: object) -> Iterator[str]:
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        yield from configured_secrets(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _secrets_in(item)


def setup_logging(settings: Settings, *, console: bool | None = None) -> LoggingHandle:
    """Configure logging once for this process; every handler masks configured secrets."""
    section = settings.logging
    if console is not None:
        section = section.model_copy(update={"console": console})
    redactor = Redactor(list(configured_secrets(settings)))
    return configure_logging(
        section, data_dir=settings.app.data_dir, filters=[RedactingFilter(redactor)]
    )
