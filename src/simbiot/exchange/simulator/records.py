"""Request records and MEXC's request weights per route."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ROUTE_WEIGHTS", "RequestRecord", "weight_of"]

# MEXC spot v3 weights (IP weight for public routes, UID weight for signed ones).
ROUTE_WEIGHTS: dict[str, int] = {
    "ping": 1,
    "time": 1,
    "exchangeInfo": 10,
    "depth": 1,
    "klines": 1,
    "ticker": 1,
    "bookTicker": 1,
    "tickerPrice": 1,
    "account": 10,
    "order": 1,
    "openOrders": 3,
    "allOrders": 10,
    "myTrades": 10,
    "capital": 10,
    "contract": 1,
    "binance": 2,
    "coingecko": 1,
}
# Ticker routes without a symbol cost what a full market sweep costs.
_ALL_SYMBOLS_WEIGHT = {"ticker": 40, "bookTicker": 2, "tickerPrice": 2, "openOrders": 3}


def weight_of(route: str, has_symbol: bool) -> int:
    """Return the weight of one request to ``route``."""
    if not has_symbol and route in _ALL_SYMBOLS_WEIGHT:
        return _ALL_SYMBOLS_WEIGHT[route]
    return ROUTE_WEIGHTS.get(route, 1)


@dataclass(slots=True)
class RequestRecord:
    """One request the simulator received; ``status`` is 0 when no response was sent."""

    ts_ms: int
    method: str
    path: str
    route: str
    weight: int
    api_key: str | None
    in_flight: int
    status: int = 0
    symbol: str | None = None
