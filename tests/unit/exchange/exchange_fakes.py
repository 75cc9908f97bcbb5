"""A stand-in for a ccxt async client: scripted responses, recorded calls."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import ccxt

TICK_SIZE = 4


class FakeCcxt:
    """Answers like a ccxt client; ``script[method]`` holds results or exceptions to raise."""

    precisionMode = TICK_SIZE

    def __init__(self, markets: dict[str, Any] | None = None) -> None:
        self.raw_markets = list((markets or {}).values())
        self.markets: dict[str, Any] = {}
        self.currencies: dict[str, Any] = {}
        self.script: dict[str, list[Any]] = defaultdict(list)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.closed = False
        self.delay_s = 0.0

    def set_markets(self, markets: Any, currencies: Any = None) -> None:
        if isinstance(markets, list):
            markets = {m["symbol"]: m for m in markets}
        self.markets = markets
        self.currencies = currencies or {}

    async def _answer(self, method: str, *args: Any) -> Any:
        self.calls.append((method, args))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        queue = self.script[method]
        item = queue.pop(0) if queue else None
        if isinstance(item, BaseException):
            raise item
        return item

    async def fetch_spot_markets(self, params: Any = None) -> Any:
        self.calls.append(("fetch_spot_markets", ()))
        if self.script["fetch_spot_markets"]:
            return await self._answer("fetch_spot_markets")
        return self.raw_markets

    async def fetch_ohlcv(self, *args: Any) -> Any:
        if args[0] not in self.markets:
            raise ccxt.BadSymbol(f"mexc does not have market symbol {args[0]}")
        return await self._answer("fetch_ohlcv", *args)

    async def fetch_tickers(self, *args: Any) -> Any:
        return await self._answer("fetch_tickers", *args)

    async def fetch_time(self, *args: Any) -> Any:
        return await self._answer("fetch_time", *args)

    async def create_order(self, *args: Any) -> Any:
        return await self._answer("create_order", *args)

    async def cancel_order(self, *args: Any) -> Any:
        return await self._answer("cancel_order", *args)

    async def fetch_order(self, *args: Any) -> Any:
        return await self._answer("fetch_order", *args)

    async def fetch_open_orders(self, *args: Any) -> Any:
        return await self._answer("fetch_open_orders", *args)

    async def fetch_my_trades(self, *args: Any) -> Any:
        return await self._answer("fetch_my_trades", *args)

    async def fetch_balance(self, *args: Any) -> Any:
        return await self._answer("fetch_balance", *args)

    async def close(self) -> None:
        self.closed = True


def spot_market(symbol: str) -> dict[str, Any]:
    base, quote = symbol.split("/")
    return {
        "id": base + quote,
        "symbol": symbol,
        "base": base,
        "quote": quote,
        "spot": True,
        "active": True,
        "precision": {"price": 0.01, "amount": 0.001},
        "limits": {"amount": {"min": 0.001}, "cost": {"min": 5}},
        "info": {"isSpotTradingAllowed": True},
    }
