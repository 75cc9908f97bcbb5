"""Redis plumbing shared by the cache and the bus: bounded pools and error translation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from simbiot.domain.errors import CacheUnavailable, DataError

__all__ = ["make_client", "pool_usage", "redis_errors"]


def make_client(
    url: str,
    *,
    max_connections: int,
    socket_timeout_s: float,
    connect_timeout_s: float,
    pool_timeout_s: float,
    health_check_interval_s: int = 0,
) -> aioredis.Redis:
    """Return a client on a bounded, blocking pool (callers wait for a free connection)."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=pool_timeout_s,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=connect_timeout_s,
        health_check_interval=health_check_interval_s,
        # Response shapes (XREADGROUP, XAUTOCLAIM) are parsed as RESP2 lists.
        protocol=2,
        # One quick retry replaces a pooled connection the server closed while idle;
        # more would only multiply the wait when Redis is really down.
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=1),
    )
    return aioredis.Redis.from_pool(pool)


def pool_usage(client: aioredis.Redis) -> tuple[int, int]:
    """Return (connections in use, idle connections) of the client's pool."""
    pool = client.connection_pool
    in_use = len(getattr(pool, "_in_use_connections", ()))
    idle = len(getattr(pool, "_available_connections", ()))
    return in_use, idle


@contextmanager
def redis_errors(what: str) -> Iterator[None]:
    """Translate redis-py errors raised inside the block into ``simbiot.domain.errors``."""
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise CacheUnavailable(f"redis {what} failed: {exc}") from exc
    except ResponseError as exc:
        # WRONGTYPE, "not an integer" and the like: the stored value is not what the
        # caller assumed, which is a data problem, not an outage.
        raise DataError(f"redis {what} refused: {exc}") from exc
    except RedisError as exc:
        raise CacheUnavailable(f"redis {what} failed: {exc}") from exc
