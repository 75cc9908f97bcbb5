"""Twins for signal service tests: an in-memory recorder and backends that are down."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simbiot.bus.envelope import Envelope
from simbiot.domain.errors import CacheUnavailable, StorageError
from simbiot.signals.model import Signal


class MemoryRecorder:
    """Keeps recorded signals in a set, counting only new ones (like the database)."""

    def __init__(self) -> None:
        self.rows: set[tuple[str, str, str, int]] = set()

    async def record(self, signals: Sequence[Signal]) -> int:
        before = len(self.rows)
        self.rows.update((s.config_id, s.symbol, s.side.value, s.ts) for s in signals)
        return len(self.rows) - before


class DownRecorder:
    """A database that refuses every write."""

    async def record(self, signals: Sequence[Signal]) -> int:
        raise StorageError("database is down")


class DownCache:
    """A cache whose server does not answer."""

    def _down(self, *_: Any, **__: Any) -> Any:
        raise CacheUnavailable("redis is down")

    async def get(self, key: str) -> bytes | None:
        return self._down()

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return self._down()

    async def set(self, key: str, value: bytes, ttl_s: float | None) -> None:
        self._down()

    async def set_many(self, items: Mapping[str, bytes], ttl_s: float | None) -> None:
        self._down()

    async def delete(self, *keys: str) -> int:
        return self._down()

    async def exists(self, key: str) -> bool:
        return self._down()

    async def ttl(self, key: str) -> float | None:
        return self._down()

    async def incr(self, key: str, amount: int = 1, ttl_s: float | None = None) -> int:
        return self._down()

    async def scan(self, prefix: str) -> list[str]:
        return self._down()

    async def ping(self) -> bool:
        return False

    async def close(self) -> None:
        return None


class DownBus:
    """A bus whose server does not answer."""

    async def publish(
        self, topic: str, payload: dict[str, Any], *, type: str, version: int = 1,
        headers: dict[str, str] | None = None,
    ) -> Envelope:  # fmt: skip
        raise CacheUnavailable("redis is down")

    async def subscribe(self, topic: str, *, group: str, consumer: str) -> Any:
        raise CacheUnavailable("redis is down")

    async def close(self) -> None:
        return None
