"""MEXC spot v3 public routes: ping, time, exchangeInfo, depth, klines, tickers."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from aiohttp import web

from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.faults import FaultBook
from simbiot.exchange.simulator.formats import dec, ffmt, fmt
from simbiot.exchange.simulator.http import int_param, ok, query_params
from simbiot.exchange.simulator.market import Markets
from simbiot.exchange.simulator.tape import aggregate

__all__ = ["KLINE_INTERVALS", "PublicRoutes", "klines_rows"]

# MEXC's spot interval names and their lengths.
KLINE_INTERVALS: dict[str, int] = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "60m": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
    "1W": 604_800_000,
}
_MAX_KLINES = 1000


def klines_rows(
    markets: Markets, market: int, interval_ms: int, params: dict[str, str]
) -> list[list[Any]]:
    """Return klines as MEXC rows: open time, O, H, L, C, V strings, close time, quote volume."""
    tf = markets.tape.timeframe_ms
    if interval_ms % tf:
        raise SimApiError.bad_param("Invalid interval.")
    factor = interval_ms // tf
    limit = min(max(int_param(params, "limit", 500) or 500, 1), _MAX_KLINES)
    start = int_param(params, "startTime")
    end = int_param(params, "endTime")
    now_index = markets.current_index()
    hi = now_index if end is None else min(now_index, markets.index_at(end - 1))
    if start is not None:
        lo = markets.index_at(start - start % interval_ms)
        hi = min(hi, lo + (limit + 1) * factor)
    else:
        lo = hi - (limit + 1) * factor
    rows = aggregate(markets.tape.rows(market, lo, hi), factor, markets.tape.origin_ms, tf)
    if start is not None:
        rows = rows[rows[:, 0] >= start - start % interval_ms][:limit]
    else:
        rows = rows[-limit:]
    if end is not None:
        rows = rows[rows[:, 0] < end]
    pd = int(markets.universe.price_decimals[market])
    ad = int(markets.universe.amount_decimals[market])
    return [
        [
            int(r[0]),
            ffmt(r[1], pd),
            ffmt(r[2], pd),
            ffmt(r[3], pd),
            ffmt(r[4], pd),
            ffmt(r[5], ad),
            int(r[0]) + interval_ms,
            ffmt(r[5] * r[4], 2),
        ]
        for r in rows
    ]


class PublicRoutes:
    """Handlers of MEXC's public market-data routes."""

    def __init__(self, markets: Markets, faults: FaultBook, taker_fee: str, maker_fee: str) -> None:
        self._m = markets
        self._faults = faults
        self._fees = (maker_fee, taker_fee)

    def register(self, app: web.Application, prefix: str = "/api/v3") -> None:
        """Add the routes under ``prefix``."""
        table: list[tuple[str, str, Callable[[web.Request], Any]]] = [
            ("ping", "/ping", self.ping),
            ("time", "/time", self.time),
            ("exchangeInfo", "/exchangeInfo", self.exchange_info),
            ("depth", "/depth", self.depth),
            ("klines", "/klines", self.klines),
            ("ticker", "/ticker/24hr", self.ticker_24hr),
            ("bookTicker", "/ticker/bookTicker", self.book_ticker),
            ("tickerPrice", "/ticker/price", self.ticker_price),
        ]
        for name, path, handler in table:
            app.router.add_get(prefix + path, handler, name=name)
        # ccxt's mexc loads contract markets beside spot ones; the simulator lists none.
        app.router.add_get("/api/v1/contract/detail", self.contract_detail, name="contract")

    async def ping(self, request: web.Request) -> web.Response:
        """Answer the connectivity check."""
        return ok({})

    async def time(self, request: web.Request) -> web.Response:
        """Return the simulated server time (skewed by a ``clock_skew`` fault)."""
        return ok({"serverTime": self._m.clock.now_ms() + self._faults.skew_ms("time", None)})

    async def contract_detail(self, request: web.Request) -> web.Response:
        """Return an empty contract list."""
        return ok({"success": True, "code": 0, "data": []})

    def _market_json(self, i: int) -> dict[str, Any]:
        u = self._m.universe
        allowed = bool(u.api_allowed[i])
        return {
            "symbol": u.market_id(i),
            "status": "1",
            "baseAsset": u.bases[i],
            "baseAssetPrecision": int(u.amount_decimals[i]),
            "quoteAsset": u.quote,
            "quotePrecision": int(u.price_decimals[i]),
            "quoteAssetPrecision": int(u.price_decimals[i]),
            "baseCommissionPrecision": int(u.amount_decimals[i]),
            "quoteCommissionPrecision": int(u.price_decimals[i]),
            "orderTypes": ["LIMIT", "MARKET", "LIMIT_MAKER"],
            "isSpotTradingAllowed": allowed,
            "isMarginTradingAllowed": False,
            "quoteAmountPrecision": fmt(dec(u.min_notional[i], 2)),
            "baseSizePrecision": fmt(
                dec(10.0 ** -int(u.amount_decimals[i]), int(u.amount_decimals[i]))
            ),
            "permissions": ["SPOT"] if allowed else [],
            "filters": [],
            "maxQuoteAmount": "2000000",
            "makerCommission": self._fees[0],
            "takerCommission": self._fees[1],
            "quoteAmountPrecisionMarket": fmt(dec(u.min_notional[i], 2)),
            "maxQuoteAmountMarket": "100000",
            "fullName": u.names[i],
            "tradeSideType": 1,
        }

    async def exchange_info(self, request: web.Request) -> web.Response:
        """Return every listed market (or the ``symbol``/``symbols`` asked for)."""
        params = query_params(request)
        wanted = params.get("symbols") or params.get("symbol")
        if wanted:
            indexes = [self._m.resolve(s) for s in wanted.split(",")]
        else:
            indexes = self._m.listed()
        return ok(
            {
                "timezone": "CST",
                "serverTime": self._m.clock.now_ms(),
                "rateLimits": [],
                "exchangeFilters": [],
                "symbols": [self._market_json(i) for i in indexes],
            }
        )

    async def depth(self, request: web.Request) -> web.Response:
        """Return the order book of one market."""
        params = query_params(request)
        i = self._m.resolve(params.get("symbol"))
        limit = min(max(int_param(params, "limit", 100) or 100, 1), 5000)
        book = self._m.book(i, levels=min(limit, 1000))
        return ok(
            {
                "lastUpdateId": self._m.current_index(),
                "timestamp": self._m.clock.now_ms(),
                "bids": [[fmt(p), fmt(q)] for p, q in book.bids[:limit]],
                "asks": [[fmt(p), fmt(q)] for p, q in book.asks[:limit]],
            }
        )

    async def klines(self, request: web.Request) -> web.Response:
        """Return candles of one market."""
        params = query_params(request)
        i = self._m.resolve(params.get("symbol"))
        interval = KLINE_INTERVALS.get(params.get("interval", ""))
        if interval is None:
            raise SimApiError.bad_param("Invalid interval.")
        return ok(klines_rows(self._m, i, interval, params))

    def ticker_json(self, i: int, stats: np.ndarray[Any, Any]) -> dict[str, Any]:
        """Return market ``i``'s 24-hour ticker in MEXC's format."""
        u = self._m.universe
        pd, ad = int(u.price_decimals[i]), int(u.amount_decimals[i])
        o, h, lo, last, vol, qvol, prev = (float(x) for x in stats[:, i])
        half = u.spread_bps[i] / 2e4
        depth_qty = ffmt(u.level_depth_quote[i] / last, ad)
        now = self._m.clock.now_ms()
        return {
            "symbol": u.market_id(i),
            "priceChange": ffmt(last - o, pd),
            "priceChangePercent": ffmt((last - o) / o if o else 0.0, 4),
            "prevClosePrice": ffmt(prev, pd),
            "lastPrice": ffmt(last, pd),
            "bidPrice": ffmt(math.floor(last * (1 - half) * 10**pd) / 10**pd, pd),
            "bidQty": depth_qty,
            "askPrice": ffmt(math.ceil(last * (1 + half) * 10**pd) / 10**pd, pd),
            "askQty": depth_qty,
            "openPrice": ffmt(o, pd),
            "highPrice": ffmt(h, pd),
            "lowPrice": ffmt(lo, pd),
            "volume": ffmt(vol, ad),
            "quoteVolume": ffmt(qvol, 2),
            "openTime": now - 86_400_000,
            "closeTime": now,
            "count": None,
        }

    async def ticker_24hr(self, request: web.Request) -> web.Response:
        """Return 24-hour tickers: one object for ``symbol``, else a list of all."""
        symbol = request.query.get("symbol")
        stats = self._m.stats()
        if symbol:
            return ok(self.ticker_json(self._m.resolve(symbol), stats))
        return ok([self.ticker_json(i, stats) for i in self._m.listed()])

    async def book_ticker(self, request: web.Request) -> web.Response:
        """Return best bid and ask: one object for ``symbol``, else a list of all."""
        symbol = request.query.get("symbol")
        stats = self._m.stats()
        keys = ("symbol", "bidPrice", "bidQty", "askPrice", "askQty")
        if symbol:
            t = self.ticker_json(self._m.resolve(symbol), stats)
            return ok({k: t[k] for k in keys})
        return ok(
            [
                {k: t[k] for k in keys}
                for t in (self.ticker_json(i, stats) for i in self._m.listed())
            ]
        )

    async def ticker_price(self, request: web.Request) -> web.Response:
        """Return last prices: one object for ``symbol``, else a list of all."""
        symbol = request.query.get("symbol")
        u = self._m.universe

        def one(i: int) -> dict[str, str]:
            return {
                "symbol": u.market_id(i),
                "price": fmt(dec(self._m.last_price(i), int(u.price_decimals[i]))),
            }

        if symbol:
            return ok(one(self._m.resolve(symbol)))
        return ok([one(i) for i in self._m.listed()])
