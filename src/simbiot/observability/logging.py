"""Set up logging once per process: console, rotating file, optional JSON lines, redaction.

Library code only calls ``logging.getLogger(__name__)``; this module is called by the
composition root. Critical records can be forwarded to an alert sink (Telegram) through
:class:`AlertHandler`.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from simbiot.config.sections import LoggingSettings

__all__ = ["JsonFormatter", "LoggingHandle", "configure_logging"]

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:  # already rendered (and possibly redacted) by a filter
            doc["exc"] = record.exc_text
        return orjson.dumps(doc, default=str).decode()


@dataclass
class LoggingHandle:
    """The handlers installed by :func:`configure_logging`; ``close`` removes them."""

    handlers: list[logging.Handler] = field(default_factory=list)
    file_path: Path | None = None

    def close(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        self.handlers.clear()


def configure_logging(
    settings: LoggingSettings,
    *,
    data_dir: Path,
    filters: Sequence[logging.Filter] = (),
    extra_handlers: Sequence[logging.Handler] = (),
) -> LoggingHandle:
    """Install console and rotating-file handlers on the root logger; return a handle.

    ``filters`` (e.g. secret redaction) are attached to every handler, so nothing reaches
    a console, a file or an alert channel unfiltered.
    """
    root = logging.getLogger()
    root.setLevel(settings.level)
    formatter: logging.Formatter = (
        JsonFormatter() if settings.json_lines else logging.Formatter(TEXT_FORMAT)
    )
    handle = LoggingHandle()
    if settings.console:
        handle.handlers.append(logging.StreamHandler())
    if settings.file is not None:
        path = settings.file if settings.file.is_absolute() else data_dir / settings.file
        path.parent.mkdir(parents=True, exist_ok=True)
        handle.handlers.append(
            logging.handlers.RotatingFileHandler(
                path,
                maxBytes=settings.max_bytes,
                backupCount=settings.backup_count,
                encoding="utf-8",
            )
        )
        handle.file_path = path
    handle.handlers.extend(extra_handlers)
    for handler in handle.handlers:
        if handler.formatter is None:
            handler.setFormatter(formatter)
        for flt in filters:
            handler.addFilter(flt)
        root.addHandler(handler)
    # Third-party chatter that would drown our own lines at INFO.
    for noisy in ("aiohttp.access", "asyncio", "numba", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handle
