"""Rate limiter for one process: pool schedules in a dict."""

from __future__ import annotations

from simbiot.domain.clock import Clock
from simbiot.exchange.throttle.base import Charge, ReservingLimiter, reserve
from simbiot.exchange.throttle.limits import RateLimit

__all__ = ["MemoryRateLimiter"]


class MemoryRateLimiter(ReservingLimiter):
    """``RateLimiter`` whose budgets live in this process (embedded mode, tests)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self._tats: dict[str, float] = {}

    async def _reserve(self, charges: list[Charge], now_ms: int) -> int:
        # No await between read and write: atomic on the event loop.
        ids = [c.limit.limit_id for c in charges]
        at, tats = reserve([self._tats.get(i, 0.0) for i in ids], charges, now_ms)
        self._tats.update(zip(ids, tats, strict=True))
        return at

    async def _block(self, pool: RateLimit, tat: float, now_ms: int) -> None:
        self._tats[pool.limit_id] = max(self._tats.get(pool.limit_id, 0.0), tat)
