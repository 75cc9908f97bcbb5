"""``MarketDataPort`` over a ccxt async client: markets, candles, tickers, ping."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from simbiot.config.sections import ExchangeSettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import ConfigError, ExchangeUnavailable, NetworkError
from simbiot.domain.market import Candles, MarketInfo, Ticker
from simbiot.domain.timeframes import TIMEFRAME_MS, timeframe_ms
from simbiot.exchange.capabilities import Endpoint, capabilities
from simbiot.exchange.ccxt.errors import translating
from simbiot.exchange.ccxt.gateway import Gateway
from simbiot.exchange.ccxt.markets import parse_markets
from simbiot.exchange.ccxt.ohlcv import parse_ohlcv
from simbiot.exchange.ccxt.tickers import parse_tickers
from simbiot.exchange.metrics import ExchangeMetrics
from simbiot.exchange.pool import ConnectionPool
from simbiot.exchange.retry import RetryPolicy
from simbiot.exchange.throttle import RateLimiter, ip_limit_id, venue_limits

__all__ = ["CcxtMarketData"]

log = logging.getLogger(__name__)


class CcxtMarketData:
    """Public data of one venue through one shared ccxt client (one instance per venue)."""

    def __init__(
        self,
        client: Any,
        venue: str,
        settings: ExchangeSettings,
        limiter: RateLimiter,
        pool: ConnectionPool,
        retry: RetryPolicy,
        clock: Clock,
        *,
        metrics: ExchangeMetrics | None = None,
    ) -> None:
        self._client = client
        self._venue = venue
        self._caps = capabilities(venue)
        self._clock = clock
        if not limiter.is_registered(ip_limit_id(venue)):
            limiter.register(*venue_limits(self._caps, settings.rate_limit))
        self._gateway = Gateway(self._caps, limiter, pool, retry, metrics=metrics)
        self._markets: dict[str, MarketInfo] | None = None
        self._lock = asyncio.Lock()
        self.dropped_rows = 0

    @property
    def exchange(self) -> str:
        return self._venue

    @property
    def client(self) -> Any:
        """The underlying ccxt client (its loaded markets are shared with private clients)."""
        return self._client

    async def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        """Return every spot market; one load shared by all concurrent callers."""
        if self._markets is not None and not reload:
            return self._markets
        async with self._lock:
            if self._markets is not None and not reload:
                return self._markets
            loader = getattr(self._client, self._caps.markets_method)
            raw = await self._gateway.read(Endpoint.MARKETS, loader)
            async with translating(self._venue):
                self._client.set_markets(raw)
            self._markets = parse_markets(
                self._venue, self._client.markets, self._client.precisionMode
            )
            log.info("%s: %d markets loaded", self._venue, len(self._markets))
            return self._markets

    def share_markets(self, other: Any) -> None:
        """Give another ccxt client of this venue the loaded markets (no request)."""
        if self._client.markets:
            other.set_markets(self._client.markets, self._client.currencies)

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        """Return closed candles from ``since_ms``; invalid rows are dropped and counted."""
        if timeframe not in TIMEFRAME_MS:
            raise ConfigError(
                f"unsupported timeframe {timeframe!r}; known: {', '.join(TIMEFRAME_MS)}"
            )
        await self.load_markets()
        limit = max(1, min(limit, self._caps.ohlcv_limit))

        async def call() -> Any:
            return await self._client.fetch_ohlcv(symbol, timeframe, since_ms, limit)

        rows = await self._gateway.read(Endpoint.OHLCV, call, symbol=symbol)
        # A candle is closed once its whole period has passed.
        until = self._clock.now_ms() - timeframe_ms(timeframe) + 1
        result = parse_ohlcv(
            rows,
            exchange=self._venue,
            symbol=symbol,
            timeframe=timeframe,
            since_ms=since_ms,
            until_ms=until,
        )
        self.dropped_rows += result.dropped
        return result.candles

    async def fetch_tickers(self) -> dict[str, Ticker]:
        """Return the latest ticker of every market; malformed ones are skipped."""
        await self.load_markets()
        raw = await self._gateway.read(Endpoint.TICKERS, self._client.fetch_tickers)
        return parse_tickers(raw, exchange=self._venue, now_ms=self._clock.now_ms())

    async def ping(self) -> bool:
        """Return whether the venue answers (one attempt, no retry)."""
        try:
            await self._gateway.once(Endpoint.PING, self._client.fetch_time)
        except (NetworkError, ExchangeUnavailable) as exc:
            log.warning("%s: ping failed: %s", self._venue, exc)
            return False
        return True

    async def close(self) -> None:
        """Close the ccxt client (the venue's shared HTTP session stays with its pool)."""
        await self._client.close()
