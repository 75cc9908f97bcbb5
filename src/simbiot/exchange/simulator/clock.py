"""The simulator's market clock: scaled wall time, or time that moves only when told."""

from __future__ import annotations

import time

__all__ = ["SimClock"]


class SimClock:
    """Simulated milliseconds since the epoch.

    In scaled mode, simulated time runs ``speed`` times faster than the monotonic wall
    clock from ``start_ms``; ``advance`` adds an offset on top in both modes.
    """

    def __init__(self, start_ms: int, *, speed: float, manual: bool) -> None:
        self._start_ms = start_ms
        self._speed = speed
        self._manual = manual
        self._offset_ms = 0
        self._t0 = time.monotonic()

    @property
    def manual(self) -> bool:
        """Whether time moves only through ``advance``."""
        return self._manual

    def now_ms(self) -> int:
        """Return the current simulated time."""
        now = self._start_ms + self._offset_ms
        if not self._manual:
            now += int((time.monotonic() - self._t0) * 1000 * self._speed)
        return now

    def advance(self, ms: int) -> int:
        """Move simulated time forward by ``ms``; return the new time."""
        if ms < 0:
            raise ValueError("simulated time never goes backwards")
        self._offset_ms += ms
        return self.now_ms()
