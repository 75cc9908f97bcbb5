"""The in-memory cache: the embedded-mode and test twin of the Redis cache.

Expiry is read from the injected clock, so a ``SimulatedClock`` drives TTLs in tests and
backtests. Entries past ``max_entries`` are evicted least recently used first. Every method
runs to completion without awaiting, so concurrent coroutines never see a half-done
operation: no lock is needed on one event loop.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

from simbiot.domain.clock import Clock, LiveClock
from simbiot.domain.errors import DataError

__all__ = ["MemoryCache"]


def _expiry(now_ms: int, ttl_s: float | None) -> int | None:
    if ttl_s is None:
        return None
    if ttl_s <= 0:
        raise ValueError(f"ttl_s must be positive, got {ttl_s}")
    return now_ms + max(1, round(ttl_s * 1000))


class MemoryCache:
    """Key-value cache in this process, LRU-bounded, with clock-driven TTLs."""

    def __init__(self, max_entries: int = 200_000, clock: Clock | None = None) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max = max_entries
        self._clock = clock if clock is not None else LiveClock()
        # key -> (value, expiry in clock ms or None); order = least recently used first
        self._data: OrderedDict[str, tuple[bytes, int | None]] = OrderedDict()
        self.evictions = 0

    def __len__(self) -> int:
        return len(self._data)

    def _live(self, key: str, now_ms: int) -> tuple[bytes, int | None] | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] is not None and entry[1] <= now_ms:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry

    def _put(self, key: str, value: bytes, expires: int | None) -> None:
        self._data[key] = (bytes(value), expires)
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)
            self.evictions += 1

    async def get(self, key: str) -> bytes | None:
        """Return the value, or None when absent or expired."""
        entry = self._live(key, self._clock.now_ms())
        return None if entry is None else entry[0]

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return the values in the order of ``keys``."""
        now = self._clock.now_ms()
        out: list[bytes | None] = []
        for key in keys:
            entry = self._live(key, now)
            out.append(None if entry is None else entry[0])
        return out

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        """Store ``value`` under ``key`` for ``ttl_s`` seconds."""
        self._put(key, value, _expiry(self._clock.now_ms(), ttl_s))

    async def set_many(self, items: Mapping[str, bytes], ttl_s: float | None) -> None:
        """Store every item with the same TTL."""
        expires = _expiry(self._clock.now_ms(), ttl_s)
        for key, value in items.items():
            self._put(key, value, expires)

    async def delete(self, *keys: str) -> int:
        """Remove keys; return how many were live."""
        now = self._clock.now_ms()
        removed = 0
        for key in keys:
            if self._live(key, now) is not None:
                del self._data[key]
                removed += 1
        return removed

    async def exists(self, key: str) -> bool:
        """Whether ``key`` holds a live value."""
        return self._live(key, self._clock.now_ms()) is not None

    async def ttl(self, key: str) -> float | None:
        """Seconds left before ``key`` expires; None if absent or without expiry."""
        now = self._clock.now_ms()
        entry = self._live(key, now)
        if entry is None or entry[1] is None:
            return None
        return (entry[1] - now) / 1000

    async def incr(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        """Add ``amount`` to an integer counter; set its TTL when the counter is created."""
        now = self._clock.now_ms()
        entry = self._live(key, now)
        if entry is None:
            value, expires = amount, _expiry(now, ttl_s)
        else:
            try:
                value = int(entry[0]) + amount
            except ValueError:
                raise DataError(f"cache key {key!r} does not hold an integer") from None
            expires = entry[1]
        self._put(key, str(value).encode(), expires)
        return value

    async def scan(self, prefix: str) -> list[str]:
        """Return the live keys starting with ``prefix``, sorted."""
        now = self._clock.now_ms()
        expired = [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]
        for key in expired:
            del self._data[key]
        return sorted(k for k in self._data if k.startswith(prefix))

    async def ping(self) -> bool:
        """Always True: the process is the backend."""
        return True

    async def close(self) -> None:
        """Drop every entry."""
        self._data.clear()
