"""Equity marks per account: the peak and the day's first, for drawdown and daily loss."""

from __future__ import annotations

from decimal import Decimal

from simbiot.domain.clock import Clock

__all__ = ["EquityMarks"]

_DAY_MS = 86_400_000


class EquityMarks:
    """Remembers each account's peak equity and its equity at the start of the UTC day."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._peak: dict[tuple[int, str], Decimal] = {}
        self._day: dict[tuple[int, str], tuple[int, Decimal]] = {}

    def mark(self, user_id: int, account_ref: str, equity: Decimal) -> tuple[Decimal, Decimal]:
        """Record ``equity`` now; return (peak equity, equity at the day's start)."""
        key = (user_id, account_ref)
        peak = max(self._peak.get(key, equity), equity)
        self._peak[key] = peak
        day = self._clock.now_ms() // _DAY_MS
        start = self._day.get(key)
        if start is None or start[0] != day:
            start = (day, equity)
            self._day[key] = start
        return peak, start[1]
