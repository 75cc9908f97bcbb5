"""Timestamps for rows: always tz-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["from_ms", "utcnow"]


def utcnow() -> datetime:
    """Return the current wall-clock time as a tz-aware UTC datetime (column defaults).

    Code that runs on an injected clock (trading, replays) passes its own times instead.
    """
    return datetime.now(UTC)


def from_ms(ms: int) -> datetime:
    """Return epoch milliseconds as a tz-aware UTC datetime (exact to the millisecond)."""
    return datetime.fromtimestamp(ms // 1000, tz=UTC).replace(microsecond=(ms % 1000) * 1000)
