"""Rate limiter shared by every process on one IP: pool schedules in Redis.

One Lua script reserves all pools of a request atomically, so processes that share a
venue's IP budget (several traders, the market-data service) never overspend it together.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from simbiot.domain.clock import Clock
from simbiot.domain.errors import StorageError
from simbiot.exchange.throttle.base import Charge, ReservingLimiter
from simbiot.exchange.throttle.limits import RateLimit

__all__ = ["RedisRateLimiter"]

# KEYS: one per pool. ARGV: now_ms, then per pool: emission_ms, burst_ms, weight.
# Same arithmetic as ``throttle.base.reserve``. Keys expire once their schedule has passed.
_RESERVE = """
local now = tonumber(ARGV[1])
local start = now
local tats = {}
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 3
  local t, burst, w = tonumber(ARGV[b]), tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  tats[i] = tat
  local s = math.max(tat, now) + w * t - burst
  if s > start then start = s end
end
local at = math.ceil(start)
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 3
  local t, w = tonumber(ARGV[b]), tonumber(ARGV[b + 2])
  local new = math.max(tats[i], at) + w * t
  redis.call('SET', KEYS[i], string.format('%.6f', new), 'PX', math.ceil(new - now) + 1000)
end
return at
"""

# KEYS[1]: the pool. ARGV: tat, now_ms.
_BLOCK = """
local tat = tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > cur then
  redis.call('SET', KEYS[1], string.format('%.6f', tat), 'PX', math.ceil(tat - tonumber(ARGV[2])) + 1000)
end
return 1
"""


class RedisRateLimiter(ReservingLimiter):
    """``RateLimiter`` whose budgets live in Redis under ``prefix``.

    Each acquisition is one script call. Callers are already bounded by the venue's
    connection pool, so a modest Redis connection pool suffices.
    """

    def __init__(self, redis_client: Redis, prefix: str, clock: Clock) -> None:
        super().__init__(clock)
        self._redis = redis_client
        self._prefix = prefix
        self._reserve_script = redis_client.register_script(_RESERVE)
        self._block_script = redis_client.register_script(_BLOCK)

    def _key(self, limit_id: str) -> str:
        # One hash tag for every pool: a request's pools are reserved by one script, which
        # Redis Cluster allows only for keys in the same slot.
        return f"{self._prefix}{{ratelimit}}:{limit_id}"

    async def _run(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        try:
            return await script(keys=keys, args=args)
        except RedisError as exc:
            raise StorageError(f"rate limiter store failed: {exc}") from exc

    async def _reserve(self, charges: list[Charge], now_ms: int) -> int:
        args: list[Any] = [now_ms]
        for c in charges:
            t = c.limit.emission_ms
            args += [repr(t), repr(c.limit.burst_weight * t), c.weight]
        at = await self._run(
            self._reserve_script, [self._key(c.limit.limit_id) for c in charges], args
        )
        return int(at)

    async def _block(self, pool: RateLimit, tat: float, now_ms: int) -> None:
        await self._run(self._block_script, [self._key(pool.limit_id)], [repr(tat), now_ms])
