"""The ``RateLimiter`` port and the reservation logic its implementations share.

Pools use GCRA (a virtual schedule per pool, "theoretical arrival time"). A caller reserves
the earliest instant at which every pool it needs has room, then sleeps until then. Reserving
instead of polling gives FIFO order and an even pace without a herd of wake-ups.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from simbiot.domain.clock import Clock
from simbiot.domain.errors import ConfigError
from simbiot.exchange.throttle.limits import RateLimit

__all__ = ["Charge", "RateLimiter", "ReservingLimiter", "reserve"]


@runtime_checkable
class RateLimiter(Protocol):
    """Wait until a request may be sent without breaking any declared budget."""

    def register(self, *limits: RateLimit) -> None:
        """Declare pools (re-declaring an id replaces it)."""
        ...

    def is_registered(self, limit_id: str) -> bool:
        """Whether ``limit_id`` is declared."""
        ...

    async def acquire(self, limit_id: str, weight: int | None = None) -> float:
        """Wait for room for ``weight`` (default: the pool's) in the pool and its links.

        Return the seconds waited.
        """
        ...

    async def block(self, limit_id: str, seconds: float) -> None:
        """Hold every request on ``limit_id`` for ``seconds`` (the venue said "retry after")."""
        ...


@dataclass(frozen=True, slots=True)
class Charge:
    """Weight to take from one pool."""

    limit: RateLimit
    weight: int


def reserve(tats: list[float], charges: list[Charge], now_ms: int) -> tuple[int, list[float]]:
    """Return the admission instant (ms) and the pools' new arrival times.

    Mirrored line by line by the Redis script, so both limiters pace identically.
    """
    start = float(now_ms)
    for tat, charge in zip(tats, charges, strict=True):
        t = charge.limit.emission_ms
        start = max(start, max(tat, now_ms) + charge.weight * t - charge.limit.burst_weight * t)
    at = math.ceil(start)
    return at, [
        max(tat, at) + c.weight * c.limit.emission_ms for tat, c in zip(tats, charges, strict=True)
    ]


class ReservingLimiter(ABC):
    """Shared part of the limiters: pool table, charge plan, sleeping until admitted."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._limits: dict[str, RateLimit] = {}

    def register(self, *limits: RateLimit) -> None:
        """Declare pools (re-declaring an id replaces it)."""
        for limit in limits:
            self._limits[limit.limit_id] = limit

    def is_registered(self, limit_id: str) -> bool:
        """Whether ``limit_id`` is declared."""
        return limit_id in self._limits

    def _pool(self, limit_id: str) -> RateLimit:
        try:
            return self._limits[limit_id]
        except KeyError:
            raise ConfigError(f"rate limit {limit_id!r} is not registered") from None

    def plan(self, limit_id: str, weight: int | None = None) -> list[Charge]:
        """Return the charges one acquisition makes (the pool, then its links)."""
        pool = self._pool(limit_id)
        w = pool.weight if weight is None else weight
        charges = [Charge(pool, w)]
        charges += [
            Charge(self._pool(link.limit_id), w if link.weight is None else link.weight)
            for link in pool.linked
        ]
        for c in charges:
            if not 1 <= c.weight <= c.limit.burst_weight:
                raise ConfigError(
                    f"weight {c.weight} does not fit pool {c.limit.limit_id!r} "
                    f"(burst {c.limit.burst_weight})"
                )
        return charges

    async def acquire(self, limit_id: str, weight: int | None = None) -> float:
        """Reserve room in every pool of the plan and sleep until the reserved instant."""
        charges = self.plan(limit_id, weight)
        start = self._clock.now_ms()
        at = await self._reserve(charges, start)
        # Loop because a clock may wake a sleeper a little early (rounding to whole ms).
        while (now := self._clock.now_ms()) < at:
            await self._clock.sleep((at - now) / 1000.0)
        return (self._clock.now_ms() - start) / 1000.0

    async def block(self, limit_id: str, seconds: float) -> None:
        """Push the pool's schedule so nothing is admitted for ``seconds``."""
        pool = self._pool(limit_id)
        now = self._clock.now_ms()
        await self._block(pool, now + seconds * 1000.0 + pool.burst_weight * pool.emission_ms, now)

    @abstractmethod
    async def _reserve(self, charges: list[Charge], now_ms: int) -> int:
        """Atomically reserve ``charges`` and return the admission instant."""

    @abstractmethod
    async def _block(self, pool: RateLimit, tat: float, now_ms: int) -> None:
        """Atomically raise the pool's arrival time to at least ``tat``."""
