"""Ports of the exchange layer. Adapters (ccxt, in-memory twins) implement these."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, runtime_checkable

from simbiot.domain.market import Candles, MarketInfo, Ticker
from simbiot.domain.orders import Balance, ExchangeOrder, ExchangeTrade, OrderSide, OrderType
from simbiot.exchange.permissions import KeyPermissions

__all__ = ["KeyPermissionsPort", "MarketDataPort", "TradingPort"]


@runtime_checkable
class MarketDataPort(Protocol):
    """Public market data of one venue, shared by every user (one instance per exchange).

    Implementations throttle, retry reads and translate errors into ``simbiot.domain.errors``;
    a malformed item is rejected on its own (``MalformedPayload``), never crashing the batch.
    """

    @property
    def exchange(self) -> str:
        """Venue id: "mexc", "binance", "bybit"."""
        ...

    async def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        """Return every market by unified symbol; loaded once and shared unless ``reload``."""
        ...

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, *, since_ms: int | None = None, limit: int = 500
    ) -> Candles:
        """Return candles from ``since_ms`` (inclusive), oldest first, validated."""
        ...

    async def fetch_tickers(self) -> dict[str, Ticker]:
        """Return the latest ticker of every market (malformed ones skipped)."""
        ...

    async def ping(self) -> bool:
        """Whether the venue answers at all (network check before a batch)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class TradingPort(Protocol):
    """Private access to one user account on one venue.

    Reads are throttled and retried; ``create_order`` is never retried: when its outcome is
    unknown it raises ``NetworkError`` and the caller reconciles by client order id.
    """

    @property
    def exchange(self) -> str:
        """Venue id."""
        ...

    async def create_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        amount: Decimal,
        price: Decimal | None,
        client_order_id: str,
    ) -> ExchangeOrder:
        """Send one order (no retry); ``price`` is required for limit orders."""
        ...

    async def cancel_order(self, symbol: str, order_id: str) -> ExchangeOrder | None:
        """Cancel an order; return its final state when the venue reports it."""
        ...

    async def fetch_order_by_client_id(
        self, symbol: str, client_order_id: str
    ) -> ExchangeOrder | None:
        """Return the order with this client order id, or None when the venue has none."""
        ...

    async def fetch_open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        """Return the account's open orders (of one symbol when given)."""
        ...

    async def fetch_my_trades(
        self, symbol: str, since_ms: int | None = None
    ) -> list[ExchangeTrade]:
        """Return the account's fills of ``symbol`` from ``since_ms``, oldest first."""
        ...

    async def fetch_balance(self) -> dict[str, Balance]:
        """Return non-zero balances by currency."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class KeyPermissionsPort(Protocol):
    """What the venue says about the API key of one account."""

    async def key_permissions(self) -> KeyPermissions:
        """Return the key's permissions; every one is "unknown" on a venue that cannot tell.

        A key the venue refuses raises ``AuthenticationError``.
        """
        ...
