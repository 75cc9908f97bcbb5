"""Request throttling: budgets as data, one limiter per process or one shared in Redis."""

from simbiot.exchange.throttle.base import RateLimiter
from simbiot.exchange.throttle.limits import (
    LinkedLimit,
    RateLimit,
    account_limit_id,
    account_limits,
    coingecko_limit,
    ip_limit_id,
    orders_limit_id,
    venue_limits,
)
from simbiot.exchange.throttle.memory import MemoryRateLimiter
from simbiot.exchange.throttle.redis import RedisRateLimiter

__all__ = [
    "LinkedLimit",
    "MemoryRateLimiter",
    "RateLimit",
    "RateLimiter",
    "RedisRateLimiter",
    "account_limit_id",
    "account_limits",
    "coingecko_limit",
    "ip_limit_id",
    "orders_limit_id",
    "venue_limits",
]
