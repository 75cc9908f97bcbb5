"""Settings overrides used at start-up: a venue pointed at another base URL."""

from __future__ import annotations

from simbiot.config import Settings
from simbiot.domain.errors import ConfigError

__all__ = ["with_exchange_url"]


def with_exchange_url(settings: Settings, exchange: str | None, url: str | None) -> Settings:
    """Return ``settings`` with ``exchange`` (default venue when None) pointed at ``url``."""
    if url is None:
        return settings
    exchanges = settings.exchanges
    venue = exchange or exchanges.default
    if venue not in exchanges.venues:
        raise ConfigError(
            f"exchange {venue!r} is not configured; known: {', '.join(exchanges.venues)}"
        )
    patched = exchanges.venues[venue].model_copy(update={"base_url": url})
    new = exchanges.model_copy(update={"venues": {**exchanges.venues, venue: patched}})
    return settings.model_copy(update={"exchanges": new})
