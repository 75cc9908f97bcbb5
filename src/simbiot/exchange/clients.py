"""Every ccxt client of the process: one public client per venue, private ones per account.

Private clients are created on demand with credentials from a callback, kept in an LRU
bounded by ``private_client_max`` and closed when idle longer than ``private_client_idle_s``
(``sweep()``). Ask the registry for a user's client each time it is needed: that marks it
used, and a swept client is simply re-created.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from simbiot.config.sections import ExchangeSettings, ExchangesSettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import ConfigError
from simbiot.exchange.ccxt.factory import Credentials, create_client
from simbiot.exchange.ccxt.market_data import CcxtMarketData
from simbiot.exchange.ccxt.trading import CcxtTrading
from simbiot.exchange.metrics import ExchangeMetrics
from simbiot.exchange.pool import ConnectionPool
from simbiot.exchange.retry import RetryPolicy
from simbiot.exchange.throttle import RateLimiter
from simbiot.observability.metrics import Metrics

__all__ = ["ClientFactory", "ClientRegistry", "CredentialsProvider"]

log = logging.getLogger(__name__)

# (venue, user_id, account_id) -> that account's API credentials.
CredentialsProvider = Callable[[str, str, str], Awaitable[Credentials]]
ClientFactory = Callable[..., Any]

PrivateKey = tuple[str, str, str]


@dataclass(slots=True)
class _Private:
    trading: CcxtTrading
    last_used_ms: int


class ClientRegistry:
    """Owns the venues' pools and clients; the only place clients are built."""

    def __init__(
        self,
        settings: ExchangesSettings,
        limiter: RateLimiter,
        clock: Clock,
        *,
        credentials: CredentialsProvider | None = None,
        client_factory: ClientFactory = create_client,
        metrics: Metrics | None = None,
    ) -> None:
        self._settings = settings
        self._limiter = limiter
        self._clock = clock
        self._credentials = credentials
        self._factory = client_factory
        self._metrics = ExchangeMetrics.create(metrics) if metrics is not None else None
        self._pools: dict[str, ConnectionPool] = {}
        self._public: dict[str, CcxtMarketData] = {}
        self._private: OrderedDict[PrivateKey, _Private] = OrderedDict()
        self._creating: dict[PrivateKey, asyncio.Lock] = {}

    def venue_settings(self, venue: str) -> ExchangeSettings:
        """Return the settings of an enabled, configured venue."""
        settings = self._settings.venues.get(venue)
        if settings is None or not settings.enabled:
            raise ConfigError(f"exchange {venue!r} is not configured or not enabled")
        return settings

    def pool(self, venue: str) -> ConnectionPool:
        """Return the venue's connection pool (shared by all its clients)."""
        pool = self._pools.get(venue)
        if pool is None:
            pool = ConnectionPool(venue, self.venue_settings(venue).max_connections)
            self._pools[venue] = pool
        return pool

    def _retry(self, settings: ExchangeSettings) -> RetryPolicy:
        return RetryPolicy(settings.retry, self._clock)

    def market_data(self, venue: str | None = None) -> CcxtMarketData:
        """Return the venue's shared public client (the default venue when None)."""
        venue = venue or self._settings.default
        md = self._public.get(venue)
        if md is None:
            settings = self.venue_settings(venue)
            pool = self.pool(venue)
            client = self._factory(venue, settings, session=pool.session())
            md = CcxtMarketData(
                client,
                venue,
                settings,
                self._limiter,
                pool,
                self._retry(settings),
                self._clock,
                metrics=self._metrics,
            )
            self._public[venue] = md
        return md

    @property
    def private_count(self) -> int:
        """Private clients open now."""
        return len(self._private)

    async def trading(self, venue: str, user_id: str, account_id: str) -> CcxtTrading:
        """Return the account's private client, creating it on first use."""
        key = (venue, user_id, account_id)
        entry = self._private.get(key)
        if entry is None:
            lock = self._creating.setdefault(key, asyncio.Lock())
            try:
                async with lock:
                    entry = self._private.get(key)
                    if entry is None:
                        entry = _Private(await self._create(key), self._clock.now_ms())
                        self._private[key] = entry
                        await self._enforce_bound(venue)
            finally:
                if not lock.locked():
                    self._creating.pop(key, None)
        entry.last_used_ms = self._clock.now_ms()
        self._private.move_to_end(key)
        return entry.trading

    async def _create(self, key: PrivateKey) -> CcxtTrading:
        venue, user_id, account_id = key
        if self._credentials is None:
            raise ConfigError("no credentials provider: private clients are unavailable")
        settings = self.venue_settings(venue)
        creds = await self._credentials(venue, user_id, account_id)
        pool = self.pool(venue)
        client = self._factory(venue, settings, credentials=creds, session=pool.session())
        return CcxtTrading(
            client,
            venue,
            settings,
            self._limiter,
            pool,
            self._retry(settings),
            self._clock,
            account=f"{user_id}:{account_id}",
            markets_from=self.market_data(venue),
            metrics=self._metrics,
        )

    async def _enforce_bound(self, venue: str) -> None:
        limit = self.venue_settings(venue).private_client_max
        of_venue = [k for k in self._private if k[0] == venue]
        # OrderedDict order is least recently used first.
        for key in of_venue[: max(0, len(of_venue) - limit)]:
            await self._close_private(key, "over private_client_max")

    async def _close_private(self, key: PrivateKey, reason: str) -> None:
        entry = self._private.pop(key, None)
        if entry is None:
            return
        try:
            await entry.trading.close()
        except Exception:
            # Closing is best effort: a failing close must not keep the slot.
            log.exception("closing private client %s/%s failed", key[0], key[1])
        log.debug("private client %s/%s/%s closed: %s", *key, reason)

    async def evict(self, venue: str, user_id: str, account_id: str) -> None:
        """Close one account's client now (its keys changed or were removed)."""
        await self._close_private((venue, user_id, account_id), "evicted")

    async def sweep(self) -> int:
        """Close private clients idle longer than their venue's limit; return how many."""
        now = self._clock.now_ms()
        idle = [
            key
            for key, entry in self._private.items()
            if now - entry.last_used_ms > self.venue_settings(key[0]).private_client_idle_s * 1000
        ]
        for key in idle:
            await self._close_private(key, "idle")
        return len(idle)

    async def close_all(self) -> None:
        """Close every client and every pool."""
        for key in list(self._private):
            await self._close_private(key, "shutdown")
        for md in self._public.values():
            await md.close()
        self._public.clear()
        for pool in self._pools.values():
            await pool.close()
        self._pools.clear()
