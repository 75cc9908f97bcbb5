"""The cache port. Values are bytes; codecs (``simbiot.cache.codec``) turn them into objects.

Every backend (Redis, in-memory) passes the same contract suite. TTLs are in seconds and
come from ``CacheSettings.ttl`` per kind of data; ``None`` means no expiry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

__all__ = ["Cache"]


@runtime_checkable
class Cache(Protocol):
    """Key-value cache with per-key expiry. Keys come from ``simbiot.cache.keys``."""

    async def get(self, key: str) -> bytes | None:
        """Return the value, or None when absent or expired."""
        ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return the values in the order of ``keys`` (one round trip)."""
        ...

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        """Store ``value`` under ``key`` for ``ttl_s`` seconds."""
        ...

    async def set_many(self, items: Mapping[str, bytes], ttl_s: float | None) -> None:
        """Store every item with the same TTL (one round trip)."""
        ...

    async def delete(self, *keys: str) -> int:
        """Remove keys; return how many existed."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether ``key`` holds a live value."""
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds left before ``key`` expires; None if absent or without expiry."""
        ...

    async def incr(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        """Add ``amount`` to an integer counter; set its TTL when the counter is created."""
        ...

    async def scan(self, prefix: str) -> list[str]:
        """Return the live keys starting with ``prefix`` (backend prefix removed), sorted."""
        ...

    async def ping(self) -> bool:
        """Whether the backend answers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
