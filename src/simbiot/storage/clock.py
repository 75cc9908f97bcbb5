"""Timestamps for rows: always tz-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utcnow"]


def utcnow() -> datetime:
    """Return the current time as a tz-aware UTC datetime (column defaults)."""
    return datetime.now(UTC)
