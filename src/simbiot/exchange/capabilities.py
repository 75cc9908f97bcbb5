"""What each venue can and cannot do, as data.

The ccxt adapters read these facts instead of branching on the venue's name, so adding a
venue means adding a row here (and, when ccxt needs it, options for its constructor).
Weights are the venue's documented request weights on its IP budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from simbiot.domain.errors import ConfigError

__all__ = ["VENUES", "Endpoint", "VenueCapabilities", "capabilities"]


class Endpoint:
    """Names of the operations whose weights the table declares."""

    MARKETS = "markets"
    OHLCV = "ohlcv"
    TICKERS = "tickers"
    PING = "ping"
    BALANCE = "balance"
    CREATE_ORDER = "create_order"
    CANCEL_ORDER = "cancel_order"
    FETCH_ORDER = "fetch_order"
    OPEN_ORDERS = "open_orders"
    MY_TRADES = "my_trades"
    KEY_PERMISSIONS = "key_permissions"

    ALL = (
        MARKETS,
        OHLCV,
        TICKERS,
        PING,
        BALANCE,
        CREATE_ORDER,
        CANCEL_ORDER,
        FETCH_ORDER,
        OPEN_ORDERS,
        MY_TRADES,
        KEY_PERMISSIONS,
    )


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class VenueCapabilities:
    """Quirks of one venue's spot API."""

    venue: str
    ohlcv_limit: int  # most candles one klines request returns
    stop_orders: bool  # stop-loss orders rest on the venue
    market_buy_by_cost: bool  # a market buy may be sized in quote currency
    client_order_id_param: str  # ccxt ``params`` key that carries our client order id
    client_order_id_wire: str  # the venue's own field name (for logs and reconciliation)
    client_order_id_max_len: int
    my_trades_needs_symbol: bool
    open_orders_needs_symbol: bool
    # ccxt method that loads spot markets only (no futures/options routes).
    markets_method: str
    weights: Mapping[str, int]
    # Merged into ccxt's ``options`` when the client is built.
    ccxt_options: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))
    # Texts in error bodies meaning "no such order" that ccxt's table leaves generic.
    order_not_found_markers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        missing = [e for e in Endpoint.ALL if e not in self.weights]
        if missing:
            raise ConfigError(f"{self.venue}: no weight declared for {', '.join(missing)}")

    def weight(self, endpoint: str) -> int:
        """Weight of ``endpoint`` on the IP budget."""
        try:
            return self.weights[endpoint]
        except KeyError:
            raise ConfigError(f"{self.venue}: unknown endpoint {endpoint!r}") from None

    def check_client_order_id(self, client_order_id: str) -> None:
        """Raise ``ConfigError`` when the id cannot be sent to this venue."""
        if not client_order_id or len(client_order_id) > self.client_order_id_max_len:
            raise ConfigError(
                f"{self.venue}: client order id must be 1..{self.client_order_id_max_len} "
                f"characters, got {len(client_order_id)}"
            )


VENUES: Mapping[str, VenueCapabilities] = MappingProxyType(
    {
        "mexc": VenueCapabilities(
            venue="mexc",
            ohlcv_limit=1000,
            stop_orders=False,  # MEXC spot v3 has no stop orders
            market_buy_by_cost=True,
            client_order_id_param="clientOrderId",
            client_order_id_wire="newClientOrderId",
            client_order_id_max_len=32,
            my_trades_needs_symbol=True,
            open_orders_needs_symbol=False,
            markets_method="fetch_spot_markets",
            weights=_frozen(
                {
                    Endpoint.MARKETS: 10,
                    Endpoint.OHLCV: 1,
                    Endpoint.TICKERS: 40,
                    Endpoint.PING: 1,
                    Endpoint.BALANCE: 10,
                    Endpoint.CREATE_ORDER: 1,
                    Endpoint.CANCEL_ORDER: 1,
                    Endpoint.FETCH_ORDER: 2,
                    Endpoint.OPEN_ORDERS: 3,
                    Endpoint.MY_TRADES: 10,
                    Endpoint.KEY_PERMISSIONS: 1,
                }
            ),
            ccxt_options=_frozen({"defaultType": "spot", "adjustForTimeDifference": False}),
            # -2013 on order queries, -2011 on cancelling an order that is no longer open.
            order_not_found_markers=('"code":-2013', '"code":-2011'),
        ),
        "binance": VenueCapabilities(
            venue="binance",
            ohlcv_limit=1000,
            stop_orders=True,
            market_buy_by_cost=True,
            client_order_id_param="clientOrderId",
            client_order_id_wire="newClientOrderId",
            client_order_id_max_len=36,
            my_trades_needs_symbol=True,
            open_orders_needs_symbol=False,
            markets_method="fetch_markets",
            weights=_frozen(
                {
                    Endpoint.MARKETS: 20,
                    Endpoint.OHLCV: 2,
                    Endpoint.TICKERS: 80,
                    Endpoint.PING: 1,
                    Endpoint.BALANCE: 20,
                    Endpoint.CREATE_ORDER: 1,
                    Endpoint.CANCEL_ORDER: 1,
                    Endpoint.FETCH_ORDER: 4,
                    Endpoint.OPEN_ORDERS: 80,
                    Endpoint.MY_TRADES: 20,
                    Endpoint.KEY_PERMISSIONS: 1,
                }
            ),
            ccxt_options=_frozen(
                {
                    "defaultType": "spot",
                    "fetchMarkets": {"types": ["spot"]},
                    "adjustForTimeDifference": False,
                }
            ),
        ),
        "bybit": VenueCapabilities(
            venue="bybit",
            ohlcv_limit=1000,
            stop_orders=True,
            market_buy_by_cost=True,
            client_order_id_param="clientOrderId",
            client_order_id_wire="orderLinkId",
            client_order_id_max_len=36,
            my_trades_needs_symbol=False,
            open_orders_needs_symbol=False,
            markets_method="fetch_markets",
            # Bybit limits per endpoint rather than by weight; one unit per call on the IP pool.
            weights=_frozen(dict.fromkeys(Endpoint.ALL, 1)),
            ccxt_options=_frozen({"defaultType": "spot", "fetchMarkets": {"types": ["spot"]}}),
        ),
    }
)


def capabilities(venue: str) -> VenueCapabilities:
    """Return the capabilities of ``venue``; ``ConfigError`` for an unknown one."""
    try:
        return VENUES[venue]
    except KeyError:
        raise ConfigError(f"unsupported exchange {venue!r}; known: {', '.join(VENUES)}") from None
