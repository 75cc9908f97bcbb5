"""One path for every request to a venue: slot, budget, ccxt call, error translation, retry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from simbiot.domain.errors import RateLimited
from simbiot.exchange.capabilities import VenueCapabilities
from simbiot.exchange.ccxt.errors import translating
from simbiot.exchange.pool import ConnectionPool
from simbiot.exchange.retry import RetryPolicy
from simbiot.exchange.throttle import RateLimiter, ip_limit_id

__all__ = ["Gateway"]

T = TypeVar("T")


class Gateway:
    """Send calls of one ccxt client through the venue's pool, limiter and retry policy."""

    def __init__(
        self,
        caps: VenueCapabilities,
        limiter: RateLimiter,
        pool: ConnectionPool,
        retry: RetryPolicy,
        *,
        limit_id: str | None = None,
    ) -> None:
        self.caps = caps
        self._limiter = limiter
        self._pool = pool
        self._retry = retry
        self._limit_id = limit_id or ip_limit_id(caps.venue)

    async def once(
        self,
        endpoint: str,
        call: Callable[[], Awaitable[T]],
        *,
        symbol: str | None = None,
        limit_id: str | None = None,
    ) -> T:
        """Make one attempt; failures arrive as ``simbiot.domain.errors``."""
        # The slot is taken before the budget so a request leaves the moment it is admitted.
        async with self._pool.slot():
            await self._limiter.acquire(limit_id or self._limit_id, self.caps.weight(endpoint))
            try:
                async with translating(self.caps.venue, symbol):
                    return await call()
            except RateLimited as exc:
                if exc.retry_after:
                    # Everyone on this IP waits, not only the caller that was refused.
                    await self._limiter.block(ip_limit_id(self.caps.venue), exc.retry_after)
                raise

    async def read(
        self,
        endpoint: str,
        call: Callable[[], Awaitable[T]],
        *,
        symbol: str | None = None,
        limit_id: str | None = None,
    ) -> T:
        """Make attempts until success or the retry policy gives up (reads only)."""
        what = f"{self.caps.venue} {endpoint}" + (f" {symbol}" if symbol else "")
        return await self._retry.run(
            lambda: self.once(endpoint, call, symbol=symbol, limit_id=limit_id), what=what
        )
