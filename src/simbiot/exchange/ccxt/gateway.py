"""One path for every request to a venue: slot, budget, ccxt call, error translation, retry."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from simbiot.domain.errors import RateLimited, SimbiotError
from simbiot.exchange.capabilities import VenueCapabilities
from simbiot.exchange.ccxt.errors import translating
from simbiot.exchange.metrics import ExchangeMetrics
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
        metrics: ExchangeMetrics | None = None,
    ) -> None:
        self.caps = caps
        self._limiter = limiter
        self._pool = pool
        self._retry = retry
        self._limit_id = limit_id or ip_limit_id(caps.venue)
        self._metrics = metrics

    async def once(
        self,
        endpoint: str,
        call: Callable[[], Awaitable[T]],
        *,
        symbol: str | None = None,
        limit_id: str | None = None,
    ) -> T:
        """Make one attempt; failures arrive as ``simbiot.domain.errors``."""
        venue = self.caps.venue
        # The slot is taken before the budget so a request leaves the moment it is admitted.
        async with self._pool.slot():
            waited = await self._limiter.acquire(
                limit_id or self._limit_id, self.caps.weight(endpoint)
            )
            started = time.perf_counter()
            # Stays so only when the caller is cancelled mid-request.
            outcome = "cancelled"
            try:
                async with translating(venue, symbol):
                    result = await call()
                outcome = "ok"
                return result
            except RateLimited as exc:
                outcome = type(exc).__name__
                if exc.retry_after:
                    # Everyone on this IP waits, not only the caller that was refused.
                    await self._limiter.block(ip_limit_id(venue), exc.retry_after)
                raise
            except SimbiotError as exc:
                outcome = type(exc).__name__
                raise
            finally:
                if self._metrics is not None:
                    self._metrics.waited(venue, waited)
                    self._metrics.observe(venue, endpoint, outcome, time.perf_counter() - started)
                    self._metrics.in_flight.labels(venue=venue).set(self._pool.in_flight)

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
