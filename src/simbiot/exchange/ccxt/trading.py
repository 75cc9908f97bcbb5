"""``TradingPort`` over a ccxt async client holding one account's credentials."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from simbiot.config.sections import ExchangeSettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import (
    ExchangeUnavailable,
    InvalidOrder,
    MalformedPayload,
    NetworkError,
    NonRetryableError,
    OrderNotFound,
)
from simbiot.domain.orders import (
    Balance,
    ExchangeOrder,
    ExchangeTrade,
    OrderSide,
    OrderStatus,
    OrderType,
)
from simbiot.exchange.capabilities import Endpoint, capabilities
from simbiot.exchange.ccxt.errors import translating
from simbiot.exchange.ccxt.gateway import Gateway
from simbiot.exchange.ccxt.market_data import CcxtMarketData
from simbiot.exchange.ccxt.orders import parse_balance, parse_order, parse_trade
from simbiot.exchange.metrics import ExchangeMetrics
from simbiot.exchange.permissions import KeyPermissions, permission_query
from simbiot.exchange.pool import ConnectionPool
from simbiot.exchange.retry import RetryPolicy
from simbiot.exchange.throttle import (
    RateLimiter,
    account_limit_id,
    account_limits,
    ip_limit_id,
    orders_limit_id,
    venue_limits,
)

__all__ = ["CcxtTrading"]

log = logging.getLogger(__name__)


class CcxtTrading:
    """One user account on one venue. Order creation is sent once, never retried."""

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
        account: str,
        markets_from: CcxtMarketData | None = None,
        metrics: ExchangeMetrics | None = None,
    ) -> None:
        self._client = client
        self._venue = venue
        self._caps = capabilities(venue)
        self._clock = clock
        self._markets_from = markets_from
        if not limiter.is_registered(ip_limit_id(venue)):
            limiter.register(*venue_limits(self._caps, settings.rate_limit))
        if not limiter.is_registered(account_limit_id(venue, account)):
            limiter.register(*account_limits(self._caps, account, settings.rate_limit))
        self._account_limit = account_limit_id(venue, account)
        self._orders_limit = orders_limit_id(venue, account)
        self._gateway = Gateway(
            self._caps, limiter, pool, retry, limit_id=self._account_limit, metrics=metrics
        )

    @property
    def exchange(self) -> str:
        return self._venue

    async def _ensure_markets(self) -> None:
        # ccxt would otherwise load markets itself, through routes we do not throttle.
        if self._client.markets:
            return
        if self._markets_from is not None:
            await self._markets_from.load_markets()
            self._markets_from.share_markets(self._client)
            return
        raw = await self._gateway.read(
            Endpoint.MARKETS, getattr(self._client, self._caps.markets_method)
        )
        async with translating(self._venue):
            self._client.set_markets(raw)

    async def create_order(
        self,
        symbol: str,
        side: OrderSide,
        type: OrderType,
        amount: Decimal,
        price: Decimal | None,
        client_order_id: str,
    ) -> ExchangeOrder:
        """Send one order; an unknown outcome raises ``NetworkError`` (reconcile by id)."""
        if not client_order_id or len(client_order_id) > self._caps.client_order_id_max_len:
            raise InvalidOrder(
                f"client order id must have 1..{self._caps.client_order_id_max_len} characters",
                exchange=self._venue,
                symbol=symbol,
            )
        if type is OrderType.LIMIT and price is None:
            raise InvalidOrder("a limit order needs a price", exchange=self._venue, symbol=symbol)
        if amount <= 0:
            raise InvalidOrder("amount must be positive", exchange=self._venue, symbol=symbol)
        await self._ensure_markets()
        params = {self._caps.client_order_id_param: client_order_id}
        sent = ExchangeOrder(
            exchange=self._venue,
            symbol=symbol,
            order_id="",
            client_order_id=client_order_id,
            side=side,
            type=type,
            status=OrderStatus.OPEN,
            amount=amount,
            filled=Decimal(0),
            price=price if type is OrderType.LIMIT else None,
            average=None,
            timestamp_ms=self._clock.now_ms(),
        )

        async def call() -> Any:
            return await self._client.create_order(
                symbol,
                type.value,
                side.value,
                float(amount),
                float(price) if price is not None and type is OrderType.LIMIT else None,
                params,
            )

        try:
            raw = await self._gateway.once(
                Endpoint.CREATE_ORDER, call, symbol=symbol, limit_id=self._orders_limit
            )
            return parse_order(raw, exchange=self._venue, fallback=sent)
        except (NetworkError, ExchangeUnavailable, MalformedPayload) as exc:
            # The venue may have accepted the order: only a lookup by client id can tell.
            log.warning("%s: order %s outcome unknown: %s", self._venue, client_order_id, exc)
            raise NetworkError(
                f"outcome of order {client_order_id} unknown: {exc}",
                exchange=self._venue,
                symbol=symbol,
            ) from exc

    async def cancel_order(self, symbol: str, order_id: str) -> ExchangeOrder | None:
        """Cancel an order; None when the venue no longer has it open."""
        await self._ensure_markets()

        async def call() -> Any:
            return await self._client.cancel_order(order_id, symbol)

        try:
            raw = await self._gateway.read(Endpoint.CANCEL_ORDER, call, symbol=symbol)
        except OrderNotFound:
            return None
        return parse_order(raw, exchange=self._venue)

    async def fetch_order_by_client_id(
        self, symbol: str, client_order_id: str
    ) -> ExchangeOrder | None:
        """Return the order with this client order id, or None when the venue has none."""
        await self._ensure_markets()
        params = {self._caps.client_order_id_param: client_order_id}

        async def call() -> Any:
            return await self._client.fetch_order(None, symbol, params)

        try:
            raw = await self._gateway.read(Endpoint.FETCH_ORDER, call, symbol=symbol)
        except OrderNotFound:
            return None
        return parse_order(raw, exchange=self._venue)

    async def fetch_open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        """Return open orders of the account (of ``symbol`` when given)."""
        if symbol is None and self._caps.open_orders_needs_symbol:
            raise NonRetryableError(
                f"{self._venue} lists open orders per symbol only", exchange=self._venue
            )
        await self._ensure_markets()

        async def call() -> Any:
            return await self._client.fetch_open_orders(symbol)

        raw = await self._gateway.read(Endpoint.OPEN_ORDERS, call, symbol=symbol)
        if not isinstance(raw, list):
            raise MalformedPayload(f"{self._venue}: open orders response is {type(raw).__name__}")
        return [parse_order(item, exchange=self._venue) for item in raw]

    async def fetch_my_trades(
        self, symbol: str, since_ms: int | None = None
    ) -> list[ExchangeTrade]:
        """Return the account's fills of ``symbol`` from ``since_ms``, oldest first."""
        await self._ensure_markets()

        async def call() -> Any:
            return await self._client.fetch_my_trades(symbol, since_ms)

        raw = await self._gateway.read(Endpoint.MY_TRADES, call, symbol=symbol)
        if not isinstance(raw, list):
            raise MalformedPayload(f"{self._venue}: trades response is {type(raw).__name__}")
        trades = [t for t in (parse_trade(r, exchange=self._venue) for r in raw) if t is not None]
        if since_ms is not None:
            trades = [t for t in trades if t.timestamp_ms >= since_ms]
        return sorted(trades, key=lambda t: (t.timestamp_ms, t.trade_id))

    async def fetch_balance(self) -> dict[str, Balance]:
        """Return non-zero balances by currency."""
        await self._ensure_markets()
        raw = await self._gateway.read(Endpoint.BALANCE, self._client.fetch_balance)
        return parse_balance(raw, exchange=self._venue)

    async def key_permissions(self) -> KeyPermissions:
        """Ask the venue what this key may do; "unknown" everywhere when it cannot tell."""
        query = permission_query(self._venue)
        if query is None:
            return KeyPermissions.unknown()
        raw = await self._gateway.read(
            Endpoint.KEY_PERMISSIONS, getattr(self._client, query.method)
        )
        return query.parse(raw)

    async def close(self) -> None:
        """Close the ccxt client (the venue's shared HTTP session stays open)."""
        await self._client.close()
