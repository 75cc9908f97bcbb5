"""Equity marks per account: the peak and the day's first, for drawdown and daily loss.

The marks live in memory; :meth:`EquityMarks.restore` seeds an account from its recorded
history (the equity-marks table) so the limits hold across a restart.
"""

from __future__ import annotations

from decimal import Decimal

from simbiot.domain.clock import Clock

__all__ = ["DAY_MS", "EquityMarks"]

DAY_MS = 86_400_000


class EquityMarks:
    """Remembers each account's peak equity and its equity at the start of the UTC day."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._peak: dict[tuple[int, str], Decimal] = {}
        self._day: dict[tuple[int, str], tuple[int, Decimal]] = {}

    def known(self, user_id: int, account_ref: str) -> bool:
        """Return whether the account was marked or restored in this process."""
        return (user_id, account_ref) in self._peak

    def restore(
        self,
        user_id: int,
        account_ref: str,
        *,
        peak: Decimal | None,
        day_start: Decimal | None,
    ) -> None:
        """Seed the account's peak and today's starting equity from recorded history.

        A value already marked in this process wins: history only fills what is missing.
        """
        key = (user_id, account_ref)
        if peak is not None:
            self._peak[key] = max(self._peak.get(key, peak), peak)
        if day_start is not None and key not in self._day:
            self._day[key] = (self._clock.now_ms() // DAY_MS, day_start)

    def mark(self, user_id: int, account_ref: str, equity: Decimal) -> tuple[Decimal, Decimal]:
        """Record ``equity`` now; return (peak equity, equity at the day's start)."""
        key = (user_id, account_ref)
        peak = max(self._peak.get(key, equity), equity)
        self._peak[key] = peak
        day = self._clock.now_ms() // DAY_MS
        start = self._day.get(key)
        if start is None or start[0] != day:
            start = (day, equity)
            self._day[key] = start
        return peak, start[1]
