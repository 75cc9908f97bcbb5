"""Candle timeframes as exchanges name them, and their lengths."""

from __future__ import annotations

from typing import Final

__all__ = ["TIMEFRAME_MS", "align_down", "timeframe_ms"]

TIMEFRAME_MS: Final[dict[str, int]] = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "1w": 604_800_000,
}


def timeframe_ms(timeframe: str) -> int:
    """Return the length of ``timeframe`` in milliseconds; raise ValueError if unknown."""
    try:
        return TIMEFRAME_MS[timeframe]
    except KeyError:
        known = ", ".join(TIMEFRAME_MS)
        raise ValueError(f"unknown timeframe {timeframe!r}; known: {known}") from None


def align_down(timestamp_ms: int, timeframe: str) -> int:
    """Return the open time of the candle of ``timeframe`` that contains ``timestamp_ms``."""
    step = timeframe_ms(timeframe)
    return timestamp_ms - timestamp_ms % step
