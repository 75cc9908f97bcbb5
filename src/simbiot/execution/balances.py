"""Balances for sizing (R5): fetched asynchronously, cached briefly, refreshed after fills.

Each account's free quote balance is kept ``balance_ttl_s`` in process and, when a cache
is given, in Redis under ``balance:<user>:<account>`` so every trader replica shares it.
A fill invalidates both, so the next decision sees the money it moved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation

from simbiot.cache.keys import CacheKeys
from simbiot.cache.port import Cache
from simbiot.domain.clock import Clock
from simbiot.domain.errors import CacheUnavailable

__all__ = ["BalanceCache", "BalanceFetcher"]

# (user id, account reference) -> free quote balance, from the venue or the paper ledger.
BalanceFetcher = Callable[[int, str], Awaitable[Decimal]]


class BalanceCache:
    """Free quote balance per account, cached with a short TTL."""

    def __init__(
        self, fetch: BalanceFetcher, clock: Clock, ttl_s: float, *, cache: Cache | None = None
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._ttl_s = ttl_s
        self._cache = cache
        self._local: dict[tuple[int, str], tuple[int, Decimal]] = {}
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}
        self.fetches = 0

    async def free(self, user_id: int, account_ref: str) -> Decimal:
        """Return the account's free quote balance (cached up to the TTL)."""
        key = (user_id, account_ref)
        hit = self._fresh(key)
        if hit is not None:
            return hit
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one fetch per account, however many callers wait
            hit = self._fresh(key)
            if hit is not None:
                return hit
            value = await self._shared(user_id, account_ref)
            if value is None:
                value = await self._fetch(user_id, account_ref)
                self.fetches += 1
                await self._share(user_id, account_ref, value)
            self._local[key] = (self._clock.now_ms(), value)
            return value

    def _fresh(self, key: tuple[int, str]) -> Decimal | None:
        entry = self._local.get(key)
        if entry is None or self._clock.now_ms() - entry[0] > self._ttl_s * 1000:
            return None
        return entry[1]

    async def _shared(self, user_id: int, account_ref: str) -> Decimal | None:
        if self._cache is None:
            return None
        try:
            raw = await self._cache.get(CacheKeys.balance(user_id, account_ref))
        except CacheUnavailable:
            return None  # the venue or ledger still answers: the cache is only a shortcut
        if raw is None:
            return None
        try:
            return Decimal(raw.decode())
        except (InvalidOperation, UnicodeDecodeError):
            return None

    async def _share(self, user_id: int, account_ref: str, value: Decimal) -> None:
        if self._cache is None or self._ttl_s <= 0:
            return
        with contextlib.suppress(CacheUnavailable):
            await self._cache.set(
                CacheKeys.balance(user_id, account_ref), str(value).encode(), self._ttl_s
            )

    async def invalidate(self, user_id: int, account_ref: str) -> None:
        """Forget the account's balance (after a fill or a cancel)."""
        self._local.pop((user_id, account_ref), None)
        if self._cache is not None:
            with contextlib.suppress(CacheUnavailable):
                await self._cache.delete(CacheKeys.balance(user_id, account_ref))
