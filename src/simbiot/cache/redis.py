"""The Redis cache (K1, K2): redis-py asyncio on a bounded connection pool.

Every key is stored under ``settings.key_prefix`` so several deployments (and test runs)
share one server. The ``*_many`` calls are one round trip (MGET, pipelined SET), ``scan``
walks with SCAN (never KEYS, which blocks the server). Connection errors and timeouts
surface as ``CacheUnavailable``; a stored value of the wrong type as ``DataError``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from simbiot.cache.redis_support import make_client, pool_usage, redis_errors
from simbiot.config.sections import CacheSettings
from simbiot.domain.errors import SimbiotError
from simbiot.observability.metrics import CacheMetrics

__all__ = ["RedisCache"]

_SCAN_COUNT = 1_000
_GLOB_SPECIAL = str.maketrans({c: "\\" + c for c in "*?[]\\"})


def _px(ttl_s: float | None) -> int | None:
    if ttl_s is None:
        return None
    if ttl_s <= 0:
        raise ValueError(f"ttl_s must be positive, got {ttl_s}")
    return max(1, round(ttl_s * 1000))


def _as_bytes(value: bytes | str) -> bytes:
    # The client never decodes responses; the str arm only satisfies redis-py's types.
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


class RedisCache:
    """Key-value cache on Redis."""

    def __init__(self, settings: CacheSettings, *, metrics: CacheMetrics | None = None) -> None:
        self._prefix = settings.key_prefix
        self._metrics = metrics
        self._client = make_client(
            settings.redis_url,
            max_connections=settings.max_connections,
            socket_timeout_s=settings.socket_timeout_s,
            connect_timeout_s=settings.connect_timeout_s,
            pool_timeout_s=settings.pool_timeout_s,
            health_check_interval_s=settings.health_check_interval_s,
        )

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "simbiot:", metrics: CacheMetrics | None = None
    ) -> RedisCache:
        """Build a cache on ``url`` with default pool settings and key ``prefix``."""
        return cls(
            CacheSettings(backend="redis", redis_url=url, key_prefix=prefix), metrics=metrics
        )

    def _k(self, key: str) -> str:
        return self._prefix + key

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        """Translate errors of one command and publish the pool's usage after it."""
        try:
            with redis_errors(what):
                yield
        finally:
            if self._metrics is not None:
                self._metrics.pool(*pool_usage(self._client))

    async def get(self, key: str) -> bytes | None:
        """Return the value, or None when absent or expired."""
        with self._call("GET"):
            value = await self._client.get(self._k(key))
        return None if value is None else _as_bytes(value)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return the values in the order of ``keys`` (one MGET)."""
        if not keys:
            return []
        with self._call("MGET"):
            values = await self._client.mget([self._k(k) for k in keys])
        return [None if v is None else _as_bytes(v) for v in values]

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        """Store ``value`` under ``key`` for ``ttl_s`` seconds."""
        px = _px(ttl_s)
        with self._call("SET"):
            await self._client.set(self._k(key), value, px=px)

    async def set_many(self, items: Mapping[str, bytes], ttl_s: float | None) -> None:
        """Store every item with the same TTL (one pipelined round trip)."""
        if not items:
            return
        px = _px(ttl_s)
        with self._call("SET (pipeline)"):
            async with self._client.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(self._k(key), value, px=px)
                await pipe.execute()

    async def delete(self, *keys: str) -> int:
        """Remove keys; return how many existed."""
        if not keys:
            return 0
        with self._call("DEL"):
            n = await self._client.delete(*(self._k(k) for k in keys))
        return int(n)

    async def exists(self, key: str) -> bool:
        """Whether ``key`` holds a live value."""
        with self._call("EXISTS"):
            n = await self._client.exists(self._k(key))
        return bool(n)

    async def ttl(self, key: str) -> float | None:
        """Seconds left before ``key`` expires; None if absent or without expiry."""
        with self._call("PTTL"):
            ms = int(await self._client.pttl(self._k(key)))
        # PTTL answers -2 for a missing key and -1 for a key without expiry.
        return None if ms < 0 else ms / 1000

    async def incr(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        """Add ``amount`` to an integer counter; set its TTL when the counter is created."""
        px = _px(ttl_s)
        full = self._k(key)
        with self._call("INCRBY"):
            if px is None:
                return int(await self._client.incrby(full, amount))
            # SET NX creates the counter with its TTL only when absent, and INCRBY keeps
            # an existing TTL; MULTI makes the pair atomic against other clients.
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(full, 0, nx=True, px=px)
                pipe.incrby(full, amount)
                _, value = await pipe.execute()
        return int(value)

    async def scan(self, prefix: str) -> list[str]:
        """Return the live keys starting with ``prefix`` (without the backend's prefix)."""
        match = (self._prefix + prefix).translate(_GLOB_SPECIAL) + "*"
        cut = len(self._prefix)
        found: set[str] = set()
        with self._call("SCAN"):
            # SCAN may return a key more than once while the keyspace is rehashed.
            async for raw in self._client.scan_iter(match=match, count=_SCAN_COUNT):
                found.add(bytes(raw).decode("utf-8")[cut:])
        return sorted(found)

    async def ping(self) -> bool:
        """Whether Redis answers; False (never an exception) when it does not."""
        try:
            with self._call("PING"):
                return bool(await self._client.ping())
        except SimbiotError:
            return False

    async def close(self) -> None:
        """Close the client and its pool."""
        await self._client.aclose()
