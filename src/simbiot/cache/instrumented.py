"""A cache wrapper that measures any backend: hits and misses by kind, latency by op (K2)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from simbiot.cache.keys import kind_of
from simbiot.cache.port import Cache
from simbiot.domain.errors import SimbiotError
from simbiot.observability.metrics import CacheMetrics

__all__ = ["InstrumentedCache"]


class InstrumentedCache:
    """Delegate to ``inner`` and record every call in ``metrics``."""

    def __init__(self, inner: Cache, metrics: CacheMetrics) -> None:
        self._inner = inner
        self._m = metrics

    @property
    def inner(self) -> Cache:
        """The measured backend."""
        return self._inner

    async def get(self, key: str) -> bytes | None:
        """Return the value, or None; count a hit or a miss for the key's kind."""
        with self._m.time("get"), self._errors("get"):
            value = await self._inner.get(key)
        if value is None:
            self._m.miss(kind_of(key))
        else:
            self._m.hit(kind_of(key))
        return value

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return the values in order; count hits and misses per kind."""
        with self._m.time("get_many"), self._errors("get_many"):
            values = await self._inner.get_many(keys)
        hits: Counter[str] = Counter()
        misses: Counter[str] = Counter()
        for key, value in zip(keys, values, strict=True):
            (misses if value is None else hits)[kind_of(key)] += 1
        for kind, n in hits.items():
            self._m.hit(kind, n)
        for kind, n in misses.items():
            self._m.miss(kind, n)
        return values

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        """Store one value."""
        with self._m.time("set"), self._errors("set"):
            await self._inner.set(key, value, ttl_s)

    async def set_many(self, items: Mapping[str, bytes], ttl_s: float | None) -> None:
        """Store many values."""
        with self._m.time("set_many"), self._errors("set_many"):
            await self._inner.set_many(items, ttl_s)

    async def delete(self, *keys: str) -> int:
        """Remove keys."""
        with self._m.time("delete"), self._errors("delete"):
            return await self._inner.delete(*keys)

    async def exists(self, key: str) -> bool:
        """Whether ``key`` holds a live value."""
        with self._m.time("exists"), self._errors("exists"):
            return await self._inner.exists(key)

    async def ttl(self, key: str) -> float | None:
        """Seconds left before ``key`` expires."""
        with self._m.time("ttl"), self._errors("ttl"):
            return await self._inner.ttl(key)

    async def incr(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        """Add to a counter."""
        with self._m.time("incr"), self._errors("incr"):
            return await self._inner.incr(key, amount, ttl_s)

    async def scan(self, prefix: str) -> list[str]:
        """Return the live keys starting with ``prefix``."""
        with self._m.time("scan"), self._errors("scan"):
            return await self._inner.scan(prefix)

    async def ping(self) -> bool:
        """Whether the backend answers."""
        return await self._inner.ping()

    async def close(self) -> None:
        """Close the backend."""
        await self._inner.close()

    @contextmanager
    def _errors(self, op: str) -> Iterator[None]:
        try:
            yield
        except SimbiotError:
            self._m.error(op)
            raise
