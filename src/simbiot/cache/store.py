"""Typed reads and writes over any cache: JSON documents, candle frames, array bundles.

TTLs come from the :class:`TTLPolicy` by the key's kind unless the caller gives one. A
cached value that no longer decodes (a crash mid-write, an older format) is treated as a
miss and deleted, so a bad entry costs one refetch instead of failing every reader.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy.typing as npt

from simbiot.cache import codec
from simbiot.cache.port import Cache
from simbiot.cache.ttl import TTLPolicy
from simbiot.domain.errors import DataError
from simbiot.domain.market import Candles

__all__ = ["CacheStore"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class CacheStore:
    """Encode, decode and expire cached values by key kind."""

    def __init__(self, cache: Cache, ttl: TTLPolicy | None = None) -> None:
        self._cache = cache
        self._ttl = ttl if ttl is not None else TTLPolicy()

    @property
    def cache(self) -> Cache:
        """The raw byte cache underneath."""
        return self._cache

    def ttl_for(self, key: str, ttl_s: float | None = None) -> float | None:
        """Return ``ttl_s`` if given, else the policy's TTL for the key's kind."""
        return ttl_s if ttl_s is not None else self._ttl.for_key(key)

    async def _decode_or_drop(
        self, key: str, raw: bytes | None, decode: Callable[[bytes], T]
    ) -> T | None:
        if raw is None:
            return None
        try:
            return decode(raw)
        except DataError as exc:
            log.warning("cache: dropping undecodable entry %s: %s", key, exc)
            await self._cache.delete(key)
            return None

    async def _get(self, key: str, decode: Callable[[bytes], T]) -> T | None:
        return await self._decode_or_drop(key, await self._cache.get(key), decode)

    async def _get_many(self, keys: Sequence[str], decode: Callable[[bytes], T]) -> list[T | None]:
        raws = await self._cache.get_many(keys)
        return [await self._decode_or_drop(k, r, decode) for k, r in zip(keys, raws, strict=True)]

    async def get_json(self, key: str) -> Any | None:
        """Return the JSON document under ``key``, or None."""
        return await self._get(key, codec.decode_json)

    async def set_json(self, key: str, value: Any, ttl_s: float | None = None) -> None:
        """Store a JSON document."""
        await self._cache.set(key, codec.encode_json(value), self.ttl_for(key, ttl_s))

    async def get_candles(self, key: str) -> Candles | None:
        """Return the candle frame under ``key``, or None."""
        return await self._get(key, codec.decode_candles)

    async def get_candles_many(self, keys: Sequence[str]) -> list[Candles | None]:
        """Return candle frames in the order of ``keys`` (one round trip)."""
        return await self._get_many(keys, codec.decode_candles)

    async def set_candles(self, key: str, candles: Candles, ttl_s: float | None = None) -> None:
        """Store one candle frame."""
        await self._cache.set(key, codec.encode_candles(candles), self.ttl_for(key, ttl_s))

    async def set_candles_many(
        self, frames: Mapping[str, Candles], ttl_s: float | None = None
    ) -> None:
        """Store many candle frames of one kind with one TTL (one round trip)."""
        if not frames:
            return
        first = next(iter(frames))
        encoded = {k: codec.encode_candles(c) for k, c in frames.items()}
        await self._cache.set_many(encoded, self.ttl_for(first, ttl_s))

    async def get_arrays(self, key: str) -> dict[str, npt.NDArray[Any]] | None:
        """Return the named float64 arrays under ``key``, or None."""
        return await self._get(key, codec.decode_arrays)

    async def set_arrays(
        self, key: str, arrays: Mapping[str, npt.ArrayLike], ttl_s: float | None = None
    ) -> None:
        """Store named float64 arrays (indicators, features, predictions)."""
        await self._cache.set(key, codec.encode_arrays(arrays), self.ttl_for(key, ttl_s))
