"""The clock port: live time for trading, simulated time for backtests and tests."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "LiveClock", "SimulatedClock"]


@runtime_checkable
class Clock(Protocol):
    """Source of the current time; the only way Simbiot code reads time."""

    def now_ms(self) -> int:
        """Milliseconds since the epoch, UTC."""
        ...

    def now(self) -> datetime:
        """The current time as a tz-aware UTC datetime."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class LiveClock:
    """Wall-clock time."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class SimulatedClock:
    """Time that moves only when told to; ``sleep`` advances it instantly."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now_ms / 1000, tz=UTC)

    def set(self, now_ms: int) -> None:
        """Jump to ``now_ms``; time never goes backwards."""
        if now_ms < self._now_ms:
            raise ValueError("a simulated clock never goes backwards")
        self._now_ms = now_ms

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds``."""
        self.set(self._now_ms + round(seconds * 1000))

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)
