"""Live execution through a ``TradingPort`` (one user account on one venue).

The order row is written with its client order id before anything is sent. A create
whose outcome is unknown (timeout, 5xx, lost response) is never sent again: the order is
marked ``unknown`` and looked up by client order id, with backoff, for a grace period
after creation (a venue may take a moment to show a new order); only then is it declared
never placed. Fills are booked once per trade id, with the position, in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from decimal import Decimal

from simbiot.config.sections import TradingSettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import (
    BadSymbol,
    ExchangeError,
    FatalExchangeError,
    InsufficientFunds,
    MalformedPayload,
    NetworkError,
    NonRetryableError,
    RateLimited,
    RetryableError,
)
from simbiot.domain.orders import ExchangeOrder, OrderType
from simbiot.exchange.ports import TradingPort
from simbiot.execution.ledger import Ledger, TradeFacts, VenueReport
from simbiot.execution.model import ExecutionResult, OrderKey, OrderRequest, PositionLevels
from simbiot.execution.state import OrderState, state_of_venue
from simbiot.risk.reasons import Reason
from simbiot.storage.tables import OrderRow

__all__ = ["NEVER_PLACED", "VENUE_ERRORS", "LiveExecutor", "result_of"]

log = logging.getLogger(__name__)
ZERO = Decimal(0)
NEVER_PLACED = "never_placed"
# What a venue call can fail with: its errors, or an answer we cannot read.
VENUE_ERRORS = (ExchangeError, MalformedPayload)
# Trades are looked up from a little before the order's time: venue clocks differ.
_TRADES_SLACK_MS = 60_000


def result_of(row: OrderRow) -> ExecutionResult:
    """Return the execution result an order row stands for."""
    return ExecutionResult(
        key=OrderKey(row.user_id, row.exchange, row.account_ref, row.client_order_id),
        state=OrderState(row.status),
        filled=row.filled,
        average=row.average,
        fee=row.fee,
        reason=row.reason,
    )


def _refusal_reason(exc: ExchangeError) -> str:
    if isinstance(exc, InsufficientFunds):
        code = Reason.INSUFFICIENT_FUNDS
    elif isinstance(exc, BadSymbol):
        code = Reason.UNKNOWN_SYMBOL
    else:
        code = Reason.EXCHANGE_REJECTED
    return f"{code.value}: {exc}"


class LiveExecutor:
    """Places orders of one account through its ``TradingPort``, ledger first."""

    def __init__(
        self,
        port: TradingPort,
        ledger: Ledger,
        clock: Clock,
        settings: TradingSettings,
        *,
        in_flight: asyncio.Semaphore | None = None,
    ) -> None:
        self._port = port
        self._ledger = ledger
        self._clock = clock
        self._settings = settings
        # Shared per venue by the caller: bounds orders in flight from this process (per IP).
        self._slots = in_flight or asyncio.Semaphore(settings.max_orders_in_flight)

    async def submit(self, request: OrderRequest) -> ExecutionResult:
        """Record, then send once; an unknown outcome is reconciled, never re-sent."""
        await self._ledger.record(request)
        key = request.key
        try:
            async with self._slots:
                order = await self._port.create_order(
                    request.symbol,
                    request.side,
                    request.type,
                    request.amount,
                    request.price if request.type is OrderType.LIMIT else None,
                    request.client_order_id,
                )
        except RateLimited as exc:
            # A 429/418 is answered before the order is processed: it was not placed.
            return result_of(
                await self._ledger.mark(key, OrderState.REJECTED, _refusal_reason(exc))
            )
        except RetryableError as exc:
            log.warning("order %s outcome unknown, reconciling: %s", key.client_order_id, exc)
            await self._ledger.mark(key, OrderState.UNKNOWN, f"send: {exc}")
            return await self._lookup(key, request.symbol, request.levels)
        except FatalExchangeError as exc:
            await self._ledger.mark(key, OrderState.REJECTED, f"{Reason.ACCOUNT_BLOCKED}: {exc}")
            raise
        except NonRetryableError as exc:
            return result_of(
                await self._ledger.mark(key, OrderState.REJECTED, _refusal_reason(exc))
            )
        return await self._settle(key, request.symbol, order, request.levels)

    async def _trades_of(self, symbol: str, order: ExchangeOrder) -> list[TradeFacts]:
        since = order.timestamp_ms - _TRADES_SLACK_MS if order.timestamp_ms > 0 else None
        trades = await self._port.fetch_my_trades(symbol, since_ms=since)
        return [
            TradeFacts(t.trade_id, t.price, t.amount, t.fee_cost, t.fee_currency, t.timestamp_ms)
            for t in trades
            if t.order_id == order.order_id
        ]

    async def _settle(
        self, key: OrderKey, symbol: str, order: ExchangeOrder, levels: PositionLevels | None
    ) -> ExecutionResult:
        """Apply the venue's view of the order, with its trades, to the ledger."""
        state = state_of_venue(order.status, order.filled)
        if state is OrderState.FILLED and order.filled <= 0:
            # "Filled" with nothing filled is a garbled answer: ask for the order itself.
            fetched = await self._fetch_plausible(symbol, key.client_order_id)
            if fetched is None:
                report = VenueReport(OrderState.UNKNOWN, reason="implausible venue answer")
                return await self._ledger.apply(key, report, levels=levels)
            order, state = fetched, state_of_venue(fetched.status, fetched.filled)
        trades: list[TradeFacts] = []
        reason: str | None = None
        if order.filled > 0:
            try:
                trades = await self._trades_of(symbol, order)
            except VENUE_ERRORS as exc:
                state, reason = OrderState.UNKNOWN, f"fills not fetched: {exc}"
            else:
                if sum((t.amount for t in trades), ZERO) < order.filled:
                    # The venue shows the fill before its trades: look again later.
                    state, reason = OrderState.UNKNOWN, "fills not visible yet"
        fee = sum((t.fee for t in trades), ZERO) if trades else order.fee_cost
        fee_currency = trades[0].fee_currency if trades else order.fee_currency
        report = VenueReport(
            state=state,
            exchange_order_id=order.order_id or None,
            filled=order.filled,
            average=order.average,
            fee=fee,
            fee_currency=fee_currency,
            reason=reason,
            trades=trades,
        )
        return await self._ledger.apply(key, report, levels=levels)

    async def _fetch_plausible(self, symbol: str, client_order_id: str) -> ExchangeOrder | None:
        try:
            order = await self._port.fetch_order_by_client_id(symbol, client_order_id)
        except VENUE_ERRORS:
            return None
        if order is None:
            return None
        implausible = state_of_venue(order.status, order.filled) is OrderState.FILLED
        return None if implausible and order.filled <= 0 else order

    async def _lookup(
        self, key: OrderKey, symbol: str, levels: PositionLevels | None
    ) -> ExecutionResult:
        """Find an order of unknown outcome by client id; give up after the grace period."""
        row = await self._ledger.get(key)
        age_s = (datetime.now(UTC) - row.created_at).total_seconds()
        remaining = max(0.0, self._settings.reconcile_grace_s - age_s)
        started = self._clock.now_ms()
        delay = self._settings.reconcile_backoff_s
        while True:
            try:
                order = await self._port.fetch_order_by_client_id(symbol, key.client_order_id)
            except VENUE_ERRORS as exc:
                # Still unknown: the caller's reconciliation tries again later.
                log.warning("lookup of order %s failed: %s", key.client_order_id, exc)
                row = await self._ledger.mark(key, OrderState.UNKNOWN, f"lookup: {exc}")
                return result_of(row)
            if order is not None:
                return await self._settle(key, symbol, order, levels)
            waited = (self._clock.now_ms() - started) / 1000
            if waited >= remaining:
                log.info("order %s never reached the venue", key.client_order_id)
                return result_of(await self._ledger.mark(key, OrderState.REJECTED, NEVER_PLACED))
            await self._clock.sleep(min(delay, remaining - waited))
            delay = min(delay * 2, self._settings.reconcile_backoff_max_s)

    async def refresh(self, key: OrderKey) -> ExecutionResult:
        """Bring one order up to date with the venue (reconciliation by client order id)."""
        row = await self._ledger.get(key)
        state = OrderState(row.status)
        if state.is_final:
            return result_of(row)
        if state in (OrderState.NEW, OrderState.SUBMITTING):
            # Written but maybe sent (the process stopped in between): never send it now.
            await self._ledger.mark(key, OrderState.UNKNOWN, "found in flight")
        if state in (
            OrderState.NEW,
            OrderState.SUBMITTING,
            OrderState.UNKNOWN,
            OrderState.RECONCILING,
        ):
            return await self._lookup(key, row.symbol, None)
        try:
            order = await self._port.fetch_order_by_client_id(row.symbol, key.client_order_id)
        except VENUE_ERRORS as exc:
            log.warning("refresh of order %s failed: %s", key.client_order_id, exc)
            raise
        if order is None:
            # An acknowledged order the venue no longer knows: settle it by lookup later.
            return result_of(await self._ledger.mark(key, OrderState.UNKNOWN, "venue lost it"))
        return await self._settle(key, row.symbol, order, None)

    async def cancel(self, key: OrderKey) -> ExecutionResult:
        """Cancel an open order; whatever filled before (or during) the cancel is booked."""
        row = await self._ledger.get(key)
        if OrderState(row.status).is_final:
            return result_of(row)
        if row.exchange_order_id is None:
            result = await self.refresh(key)
            if result.state.is_final:
                return result
            row = await self._ledger.get(key)
            if row.exchange_order_id is None:
                return result
        try:
            order = await self._port.cancel_order(row.symbol, row.exchange_order_id)
        except NetworkError:
            order = None  # the cancel may or may not have landed: ask for the order itself
        if order is None or not order.status.is_final:
            return await self.refresh(key)
        return await self._settle(key, row.symbol, order, None)
