"""Binance-compatible spot routes (``/binance/api/v3/...``) over the same markets."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from simbiot.domain.timeframes import TIMEFRAME_MS
from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.formats import dec, fmt
from simbiot.exchange.simulator.http import ok, query_params
from simbiot.exchange.simulator.market import Markets
from simbiot.exchange.simulator.routes_public import PublicRoutes, klines_rows

__all__ = ["BINANCE_INTERVALS", "BinanceRoutes"]

# Binance's kline intervals: the common timeframes plus three days.
BINANCE_INTERVALS: dict[str, int] = {**TIMEFRAME_MS, "3d": 259_200_000}


class BinanceRoutes:
    """Handlers answering in Binance's spot format; errors use Binance's codes."""

    def __init__(self, markets: Markets, public: PublicRoutes) -> None:
        self._m = markets
        self._public = public

    def register(self, app: web.Application, prefix: str = "/binance/api/v3") -> None:
        """Add the routes under ``prefix``; every route is named ``binance``."""
        for path, handler in (
            ("/ping", self.ping),
            ("/time", self.time),
            ("/exchangeInfo", self.exchange_info),
            ("/klines", self.klines),
            ("/ticker/24hr", self.ticker_24hr),
        ):
            app.router.add_get(prefix + path, handler, name=f"binance{path.replace('/', '_')}")

    def _resolve(self, market_id: str | None) -> int:
        try:
            return self._m.resolve(market_id)
        except SimApiError as exc:
            if exc.code == -1121:
                raise SimApiError(-1121, "Invalid symbol.") from None
            raise SimApiError(-1102, exc.msg) from None

    async def ping(self, request: web.Request) -> web.Response:
        """Answer the connectivity check."""
        return ok({})

    async def time(self, request: web.Request) -> web.Response:
        """Return the simulated server time."""
        return ok({"serverTime": self._m.clock.now_ms()})

    def _market_json(self, i: int) -> dict[str, Any]:
        u = self._m.universe
        pd, ad = int(u.price_decimals[i]), int(u.amount_decimals[i])
        tick = fmt(dec(10.0**-pd, pd))
        step = fmt(dec(10.0**-ad, ad))
        trading = bool(u.api_allowed[i])
        return {
            "symbol": u.market_id(i),
            "status": "TRADING" if trading else "BREAK",
            "baseAsset": u.bases[i],
            "baseAssetPrecision": 8,
            "quoteAsset": u.quote,
            "quotePrecision": 8,
            "quoteAssetPrecision": 8,
            "baseCommissionPrecision": 8,
            "quoteCommissionPrecision": 8,
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
            "icebergAllowed": False,
            "ocoAllowed": False,
            "quoteOrderQtyMarketAllowed": True,
            "isSpotTradingAllowed": trading,
            "isMarginTradingAllowed": False,
            "filters": [
                {
                    "filterType": "PRICE_FILTER",
                    "minPrice": tick,
                    "maxPrice": "1000000",
                    "tickSize": tick,
                },
                {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "90000000", "stepSize": step},
                {
                    "filterType": "NOTIONAL",
                    "minNotional": fmt(dec(u.min_notional[i], 2)),
                    "applyMinToMarket": True,
                    "maxNotional": "9000000",
                    "applyMaxToMarket": False,
                    "avgPriceMins": 5,
                },
            ],
            "permissions": [],
            "permissionSets": [["SPOT"]],
            "defaultSelfTradePreventionMode": "NONE",
            "allowedSelfTradePreventionModes": ["NONE"],
        }

    async def exchange_info(self, request: web.Request) -> web.Response:
        """Return every listed market in Binance's format."""
        params = query_params(request)
        wanted = params.get("symbol")
        indexes = [self._resolve(wanted)] if wanted else self._m.listed()
        return ok(
            {
                "timezone": "UTC",
                "serverTime": self._m.clock.now_ms(),
                "rateLimits": [
                    {
                        "rateLimitType": "REQUEST_WEIGHT",
                        "interval": "MINUTE",
                        "intervalNum": 1,
                        "limit": 6000,
                    }
                ],
                "exchangeFilters": [],
                "symbols": [self._market_json(i) for i in indexes],
            }
        )

    async def klines(self, request: web.Request) -> web.Response:
        """Return candles in Binance's 12-field rows."""
        params = query_params(request)
        i = self._resolve(params.get("symbol"))
        interval = BINANCE_INTERVALS.get(params.get("interval", ""))
        if interval is None:
            raise SimApiError(-1120, "Invalid interval.")
        rows = klines_rows(self._m, i, interval, params)
        return ok([[*r[:6], r[6] - 1, r[7], 0, "0", "0", "0"] for r in rows])

    async def ticker_24hr(self, request: web.Request) -> web.Response:
        """Return 24-hour tickers: one object for ``symbol``, else a list of all."""
        symbol = request.query.get("symbol")
        stats = self._m.stats()

        def one(i: int) -> dict[str, Any]:
            t = self._public.ticker_json(i, stats)
            t["priceChangePercent"] = fmt(dec(float(t["priceChangePercent"]) * 100, 3))
            t["weightedAvgPrice"] = t["lastPrice"]
            t["lastQty"] = "0"
            t.update(firstId=-1, lastId=-1, count=0)
            return t

        if symbol:
            return ok(one(self._resolve(symbol)))
        return ok([one(i) for i in self._m.listed()])
