"""The order ledger: rows written before sending, venue reports applied in one transaction.

A venue report updates the order row, books each new trade once (unique trade id) and
moves the position by exactly the trades that were new, all in the same transaction: a
report seen twice, or replayed after a restart, changes nothing the second time.

Times come from the injected :class:`Clock` (order rows) and from the trades themselves
(fills, position open and close), so a replay on a simulated clock writes simulated times.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.clock import Clock, LiveClock
from simbiot.domain.errors import NotFound
from simbiot.execution.model import ExecutionResult, OrderKey, OrderRequest, PositionLevels
from simbiot.execution.positions import FillFacts, apply_fill, find_open
from simbiot.execution.state import IN_FLIGHT, OrderState, transition
from simbiot.storage.clock import from_ms
from simbiot.storage.database import Database
from simbiot.storage.errors import translated
from simbiot.storage.repositories import fills, orders, positions
from simbiot.storage.tables import FillRow, OrderRow, PositionRow

__all__ = ["Ledger", "PaperCheck", "TradeFacts", "VenueReport", "key_of"]

ZERO = Decimal(0)


def key_of(row: OrderRow) -> OrderKey:
    """Return the ledger key of an order row."""
    return OrderKey(row.user_id, row.exchange, row.account_ref, row.client_order_id)


@dataclass(frozen=True, slots=True)
class TradeFacts:
    """One venue trade of an order."""

    trade_id: str
    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_currency: str | None
    ts_ms: int


@dataclass(frozen=True, slots=True)
class VenueReport:
    """What the venue says about an order now."""

    state: OrderState
    exchange_order_id: str | None = None
    filled: Decimal | None = None
    average: Decimal | None = None
    fee: Decimal | None = None
    fee_currency: str | None = None
    reason: str | None = None
    trades: Sequence[TradeFacts] = ()


# Runs inside a paper booking's transaction; returns a refusal reason or None.
PaperCheck = Callable[[AsyncSession], Awaitable[str | None]]


def _walk(current: OrderState, target: OrderState) -> None:
    """Validate ``current`` → ``target``, through the state a venue answer implies.

    A venue answer about a ``new`` row means it was submitted; about an ``unknown`` row,
    that it was reconciled.
    """
    if current is OrderState.NEW and target not in (OrderState.UNKNOWN, OrderState.REJECTED):
        current = transition(current, OrderState.SUBMITTING)
    elif current is OrderState.UNKNOWN and target is not OrderState.UNKNOWN:
        current = transition(current, OrderState.RECONCILING)
    transition(current, target)


class Ledger:
    """Orders, fills and positions of every user, through the storage repositories.

    ``clock`` stamps order rows (created, updated, a dust position closed); the running
    system passes its clock, a replay its simulated one; the default is the wall clock.
    """

    def __init__(
        self, db: Database, *, serialize: bool | None = None, clock: Clock | None = None
    ) -> None:
        self._db = db
        self._clock: Clock = clock or LiveClock()
        if serialize is None:
            serialize = db.engine.dialect.name == "sqlite"
        # SQLite has one writer and every transaction begins IMMEDIATE: queueing here costs
        # nothing, while queueing in SQLite's busy handler sleeps in growing steps.
        self._gate: asyncio.Lock | None = asyncio.Lock() if serialize else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Yield a session in a transaction (one at a time on SQLite)."""
        if self._gate is None:
            async with self._db.transaction() as session:
                yield session
            return
        async with self._gate, self._db.transaction() as session:
            yield session

    async def record(self, request: OrderRequest, *, status: OrderState = OrderState.NEW) -> int:
        """Write the order row (before anything is sent); a reused client id raises Conflict."""
        async with self.transaction() as session:
            row = await self._create(session, request, status)
            return row.id

    async def _create(
        self, session: AsyncSession, request: OrderRequest, status: OrderState
    ) -> OrderRow:
        return await orders.create(
            session,
            user_id=request.user_id,
            bot_id=request.bot_id,
            account_ref=request.account_ref,
            exchange=request.exchange,
            symbol=request.symbol,
            client_order_id=request.client_order_id,
            side=request.side.value,
            type=request.type.value,
            amount=request.amount,
            price=request.price,
            status=status.value,
            created_at=self._clock.now(),
        )

    async def get(self, key: OrderKey) -> OrderRow:
        """Return the order row of ``key`` or raise ``NotFound``."""
        async with self.transaction() as session:
            return await self._get(session, key)

    @staticmethod
    async def _get(session: AsyncSession, key: OrderKey) -> OrderRow:
        return await orders.get_by_client_id(
            session,
            user_id=key.user_id,
            exchange=key.exchange,
            account_ref=key.account_ref,
            client_order_id=key.client_order_id,
        )

    async def mark(self, key: OrderKey, state: OrderState, reason: str | None = None) -> OrderRow:
        """Move an order to ``state`` (validated) without venue facts."""
        async with self.transaction() as session:
            row = await self._get(session, key)
            _walk(OrderState(row.status), state)
            return await self._update(session, key, state, reason=reason)

    async def _update(
        self,
        session: AsyncSession,
        key: OrderKey,
        state: OrderState,
        *,
        report: VenueReport | None = None,
        reason: str | None = None,
    ) -> OrderRow:
        r = report or VenueReport(state)
        return await orders.update_by_client_id(
            session,
            user_id=key.user_id,
            exchange=key.exchange,
            account_ref=key.account_ref,
            client_order_id=key.client_order_id,
            status=state.value,
            exchange_order_id=r.exchange_order_id,
            filled=r.filled,
            average=r.average,
            fee=r.fee,
            fee_currency=r.fee_currency,
            reason=reason if reason is not None else r.reason,
            at=self._clock.now(),
        )

    async def apply(
        self,
        key: OrderKey,
        report: VenueReport,
        *,
        levels: PositionLevels | None = None,
    ) -> ExecutionResult:
        """Apply a venue report: order row, new fills and position, in one transaction."""
        async with self.transaction() as session:
            row = await self._get(session, key)
            _walk(OrderState(row.status), report.state)
            booked = await self._book(session, row, report.trades, levels)
            updated = await self._update(session, key, report.state, report=report)
            return ExecutionResult(
                key=key,
                state=report.state,
                filled=updated.filled,
                average=updated.average,
                fee=updated.fee,
                reason=updated.reason,
                fills_booked=booked,
            )

    async def book_paper(
        self, request: OrderRequest, report: VenueReport, *, check: PaperCheck | None = None
    ) -> ExecutionResult:
        """Write a paper order and its fills in one transaction (nothing is ever sent).

        ``check`` runs first in the same transaction (one round of reads and writes instead
        of two); a reason it returns records the order as rejected with that reason.
        """
        async with self.transaction() as session:
            refusal = await check(session) if check is not None else None
            if refusal is not None:
                report = VenueReport(OrderState.REJECTED, reason=refusal)
            row = await self._create(session, request, OrderState.NEW)
            transition(transition(OrderState.NEW, OrderState.SUBMITTING), report.state)
            booked = await self._book(session, row, report.trades, request.levels)
            updated = await self._update(session, request.key, report.state, report=report)
            return ExecutionResult(
                key=request.key,
                state=report.state,
                filled=updated.filled,
                average=updated.average,
                fee=updated.fee,
                reason=updated.reason,
                fills_booked=booked,
            )

    @staticmethod
    async def _book(
        session: AsyncSession,
        row: OrderRow,
        trades: Sequence[TradeFacts],
        levels: PositionLevels | None,
    ) -> int:
        booked = 0
        for t in trades:
            when = from_ms(t.ts_ms)
            new = await fills.book(
                session,
                user_id=row.user_id,
                order_id=row.id,
                trade_id=t.trade_id,
                price=t.price,
                amount=t.amount,
                ts=when,
                fee=t.fee,
                fee_currency=t.fee_currency,
            )
            if new:  # the position moves only by trades not booked before
                facts = FillFacts(t.price, t.amount, t.fee, t.fee_currency, when)
                await apply_fill(session, row, facts, levels)
                booked += 1
        return booked

    async def in_flight(self, *, user_id: int, account_ref: str) -> list[OrderRow]:
        """Return the account's orders whose venue outcome is not settled, oldest first."""
        async with self.transaction() as session:
            rows = await orders.list_open(session, user_id=user_id, statuses=IN_FLIGHT)
            return [r for r in rows if r.account_ref == account_ref]

    async def booked_amount(self, key: OrderKey) -> Decimal:
        """Return the sum of the fills booked for an order."""
        async with self.transaction() as session:
            row = await self._get(session, key)
            # Summed here, not in SQL: SQLite keeps exact decimals as text.
            booked = await fills.list_for_order(session, user_id=key.user_id, order_id=row.id)
            return sum((f.amount for f in booked), ZERO)

    async def position(
        self, *, user_id: int, bot_id: int | None, exchange: str, symbol: str
    ) -> PositionRow | None:
        """Return the open position of a user's bot in a symbol, if any."""
        async with self.transaction() as session:
            return await find_open(
                session, user_id=user_id, bot_id=bot_id, exchange=exchange, symbol=symbol
            )

    async def open_positions(self, *, user_id: int, bot_id: int | None = None) -> list[PositionRow]:
        """Return the user's open positions (one bot's when given)."""
        async with self.transaction() as session:
            return list(await positions.list_open(session, user_id=user_id, bot_id=bot_id))

    async def bought_since(self, position: PositionRow, account_ref: str) -> Decimal:
        """Return the amount bought into ``position`` since it opened (its initial size)."""
        async with self.transaction() as session, translated("sum buys"):
            amounts = await session.scalars(
                select(FillRow.amount).where(
                    FillRow.user_id == position.user_id,
                    FillRow.account_ref == account_ref,
                    FillRow.symbol == position.symbol,
                    FillRow.side == "buy",
                    FillRow.ts >= position.opened_at,
                )
            )
            return sum(amounts.all(), ZERO)

    async def update_position(
        self, position: PositionRow, changes: dict[str, Decimal | None]
    ) -> PositionRow:
        """Change an open position's exit levels against the version read (stale → Conflict)."""
        async with self.transaction() as session:
            return await positions.update_levels(
                session,
                user_id=position.user_id,
                position_id=position.id,
                expected_version=position.version,
                changes=changes,
            )

    async def close_dust(self, position: PositionRow) -> PositionRow:
        """Close a position too small to sell (below the market's minimums)."""
        async with self.transaction() as session:
            return await positions.close(
                session,
                user_id=position.user_id,
                position_id=position.id,
                expected_version=position.version,
                realized_pnl=position.realized_pnl,
                closed_at=self._clock.now(),
            )

    async def exists(self, key: OrderKey) -> bool:
        """Whether the ledger has this order."""
        try:
            await self.get(key)
        except NotFound:
            return False
        return True
