"""Admit-or-refuse rate counters (GCRA): one in this process, one shared through Redis.

A pool allows ``limit`` requests per ``window_s``: each admitted request moves the pool's
"theoretical arrival time" (TAT) forward by ``window / limit``; a request is refused while
the TAT is more than one window ahead of now. That is a sliding window with a burst of the
whole limit, kept in one number per pool. The exchange throttle (``exchange.throttle``)
uses the same schedule but *waits* for room; an API refuses instead, so the two share the
arithmetic, not the code path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from simbiot.domain.errors import CacheUnavailable

__all__ = ["MemoryRateCounter", "RateCounter", "RateDecision", "RedisRateCounter", "decide"]


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The verdict on one request: allowed or not, what is left, and when to come back."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float
    reset_after_s: float


class RateCounter(Protocol):
    """Charge one request to a pool, or refuse it."""

    async def hit(self, pool: str, limit: int, window_s: float, now_ms: int) -> RateDecision:
        """Admit a request on ``pool`` if it has room at ``now_ms``; say so either way."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


def decide(tat: float, limit: int, window_s: float, now_ms: int) -> tuple[RateDecision, float]:
    """The verdict for a pool whose TAT is ``tat``, and the TAT after it (unchanged when
    refused). The Redis script repeats this arithmetic."""
    window_ms = window_s * 1000.0
    emission = window_ms / limit
    new = max(tat, float(now_ms)) + emission
    allow_at = new - window_ms
    if allow_at > now_ms:
        left = max(0.0, tat - now_ms)
        return RateDecision(False, limit, 0, (allow_at - now_ms) / 1000.0, left / 1000.0), tat
    remaining = math.floor((now_ms + window_ms - new) / emission + 1e-9)
    return RateDecision(True, limit, max(0, remaining), 0.0, (new - now_ms) / 1000.0), new


class MemoryRateCounter:
    """Pools of this process (embedded mode, tests); at most ``max_pools`` kept."""

    def __init__(self, max_pools: int = 100_000) -> None:
        self._tats: dict[str, float] = {}
        self._max = max_pools

    async def hit(self, pool: str, limit: int, window_s: float, now_ms: int) -> RateDecision:
        """Admit or refuse; atomic because nothing awaits between reading and writing."""
        decision, tat = decide(self._tats.get(pool, 0.0), limit, window_s, now_ms)
        self._tats[pool] = tat
        if len(self._tats) > self._max:
            self._forget_idle(now_ms)
        return decision

    def _forget_idle(self, now_ms: int) -> None:
        # A pool whose TAT has passed is indistinguishable from a fresh one.
        idle = [p for p, t in self._tats.items() if t <= now_ms]
        for p in idle:
            del self._tats[p]
        while len(self._tats) > self._max:  # every pool busy: drop the oldest inserted
            del self._tats[next(iter(self._tats))]

    async def aclose(self) -> None:
        """Nothing to release."""


# KEYS[1]: the pool. ARGV: now_ms, window_ms, limit. Same arithmetic as ``decide``.
_HIT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local emission = window / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local new = math.max(tat, now) + emission
if new - window > now then
  return {0, tostring(tat)}
end
redis.call('SET', KEYS[1], string.format('%.3f', new), 'PX', math.ceil(new - now) + 1000)
return {1, tostring(tat)}
"""


class RedisRateCounter:
    """Pools in Redis, shared by every API replica; one script call per request."""

    def __init__(self, client: Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_HIT)

    async def hit(self, pool: str, limit: int, window_s: float, now_ms: int) -> RateDecision:
        """Admit or refuse atomically in Redis."""
        args: list[Any] = [now_ms, window_s * 1000.0, limit]
        try:
            _, raw_tat = await self._script(keys=[self._prefix + pool], args=args)
        except RedisError as exc:
            raise CacheUnavailable(f"rate counter failed: {exc}") from exc
        tat = float(raw_tat.decode() if isinstance(raw_tat, bytes) else raw_tat)
        decision, _ = decide(tat, limit, window_s, now_ms)
        return decision

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._client.aclose()
