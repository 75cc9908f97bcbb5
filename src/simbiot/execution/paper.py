"""Paper trading behind the executor interface: the same rows and bookkeeping as live.

Orders fill against the latest price (live tickers or the simulator) with slippage and
a fee in the quote currency; a limit order that is not marketable rests and fills on a
later :meth:`refresh` once the price reaches it. Nothing is ever sent anywhere.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.config.sections import TradingSettings
from simbiot.domain.clock import Clock
from simbiot.domain.orders import OrderSide, OrderType
from simbiot.execution.ledger import Ledger, TradeFacts, VenueReport
from simbiot.execution.live import result_of
from simbiot.execution.model import ExecutionResult, OrderKey, OrderRequest
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.positions import find_open
from simbiot.execution.prices import PriceSource
from simbiot.execution.state import OrderState
from simbiot.risk.reasons import Reason
from simbiot.risk.sizing import decimal_of
from simbiot.storage.tables import OrderRow

__all__ = ["PaperExecutor"]

ZERO = Decimal(0)
ONE = Decimal(1)


class PaperExecutor:
    """Simulated fills for paper accounts, booked through the ledger in one transaction."""

    def __init__(
        self,
        ledger: Ledger,
        prices: PriceSource,
        clock: Clock,
        settings: TradingSettings,
        balances: PaperBalances,
    ) -> None:
        self._ledger = ledger
        self._prices = prices
        self._clock = clock
        self._settings = settings
        self._balances = balances
        self._fee_rate = decimal_of(settings.paper_fee_rate)
        self._slip = decimal_of(settings.paper_slippage_bps) / 10_000

    def _fill_price(self, side: OrderSide, last: Decimal, limit: Decimal | None) -> Decimal:
        price = last * (ONE + self._slip) if side is OrderSide.BUY else last * (ONE - self._slip)
        if limit is None:
            return price
        return min(price, limit) if side is OrderSide.BUY else max(price, limit)

    def _trade(self, cid: str, price: Decimal, amount: Decimal, quote: str) -> TradeFacts:
        fee = price * amount * self._fee_rate
        return TradeFacts(f"{cid}-1", price, amount, fee, quote, self._clock.now_ms())

    @staticmethod
    def _filled(cid: str, trade: TradeFacts) -> VenueReport:
        return VenueReport(
            OrderState.FILLED,
            exchange_order_id=cid,
            filled=trade.amount,
            average=trade.price,
            fee=trade.fee,
            fee_currency=trade.fee_currency,
            trades=(trade,),
        )

    async def _funds(
        self, session: AsyncSession, request: OrderRequest, price: Decimal
    ) -> str | None:
        """Return why the account cannot pay for (or deliver) the order, or None."""
        quote = _quote(request.symbol)
        if request.side is OrderSide.BUY:
            need = price * request.amount * (ONE + self._slip) * (ONE + self._fee_rate)
            free = await self._balances.free_quote_in(session, request.user_id, request.account_ref)
            if need > free:
                return (
                    f"{Reason.INSUFFICIENT_FUNDS.value}: need {need:.8f} {quote}, free {free:.8f}"
                )
            return None
        pos = await find_open(
            session,
            user_id=request.user_id,
            bot_id=request.bot_id,
            exchange=request.exchange,
            symbol=request.symbol,
        )
        held = pos.amount if pos is not None else ZERO
        if held < request.amount:
            return f"{Reason.INSUFFICIENT_FUNDS.value}: hold {held}, selling {request.amount}"
        return None

    async def submit(self, request: OrderRequest) -> ExecutionResult:
        """Fill at once against the latest price, or rest a limit order that is not marketable."""
        last = await self._prices.last_price(request.exchange, request.symbol)
        if last is None or last <= 0:
            reason = f"{Reason.NO_PRICE.value}: no price for {request.symbol}"
            return await self._ledger.book_paper(
                request, VenueReport(OrderState.REJECTED, reason=reason)
            )
        limit = request.price if request.type is OrderType.LIMIT else None
        reserve = limit if limit is not None else last

        async def check(session: AsyncSession) -> str | None:
            return await self._funds(session, request, reserve)

        if limit is not None and not _marketable(request.side, limit, last):
            report = VenueReport(OrderState.OPEN, exchange_order_id=request.client_order_id)
            return await self._ledger.book_paper(request, report, check=check)
        price = self._fill_price(request.side, last, limit)
        trade = self._trade(request.client_order_id, price, request.amount, _quote(request.symbol))
        report = self._filled(request.client_order_id, trade)
        return await self._ledger.book_paper(request, report, check=check)

    async def refresh(self, key: OrderKey) -> ExecutionResult:
        """Fill a resting paper limit order once the latest price reaches it."""
        row = await self._ledger.get(key)
        if OrderState(row.status) is not OrderState.OPEN or row.price is None:
            return result_of(row)
        last = await self._prices.last_price(row.exchange, row.symbol)
        side = OrderSide(row.side)
        if last is None or not _marketable(side, row.price, last):
            return result_of(row)
        return await self._fill_resting(row)

    async def _fill_resting(self, row: OrderRow) -> ExecutionResult:
        # A resting order is a maker: it fills at its own limit, without slippage.
        assert row.price is not None
        trade = self._trade(row.client_order_id, row.price, row.amount, _quote(row.symbol))
        key = OrderKey(row.user_id, row.exchange, row.account_ref, row.client_order_id)
        return await self._ledger.apply(key, self._filled(row.client_order_id, trade))

    async def cancel(self, key: OrderKey) -> ExecutionResult:
        """Cancel a resting paper order (a filled one stays filled)."""
        row = await self._ledger.get(key)
        if OrderState(row.status).is_final:
            return result_of(row)
        return await self._ledger.apply(key, VenueReport(OrderState.CANCELLED))


def _quote(symbol: str) -> str:
    return symbol.partition("/")[2]


def _marketable(side: OrderSide, limit: Decimal, last: Decimal) -> bool:
    return limit >= last if side is OrderSide.BUY else limit <= last
