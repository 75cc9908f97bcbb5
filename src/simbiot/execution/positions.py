"""Position bookkeeping of one fill, inside the caller's transaction (long positions).

A position opens and closes at the time of the fill that opened or closed it (the
venue's trade time, or the paper executor's clock), never at the wall clock of the
process booking it: a replay on a simulated clock gets the replay's times.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict
from simbiot.execution.model import PositionLevels
from simbiot.storage.errors import translated
from simbiot.storage.repositories import positions
from simbiot.storage.tables import OrderRow, PositionRow

__all__ = ["FillFacts", "apply_fill", "find_open"]

log = logging.getLogger(__name__)
ZERO = Decimal(0)


class FillFacts:
    """One booked fill: price, amount, fee and its currency, and when it happened.

    ``ts`` None falls back to the wall clock (the repositories' default).
    """

    __slots__ = ("amount", "fee", "fee_currency", "price", "ts")

    def __init__(
        self,
        price: Decimal,
        amount: Decimal,
        fee: Decimal,
        fee_currency: str | None,
        ts: datetime | None = None,
    ) -> None:
        self.price = price
        self.amount = amount
        self.fee = fee
        self.fee_currency = fee_currency
        self.ts = ts


async def find_open(
    session: AsyncSession, *, user_id: int, bot_id: int | None, exchange: str, symbol: str
) -> PositionRow | None:
    """Return the user's open position in ``symbol`` on ``exchange`` (of that bot), if any."""
    bot = PositionRow.bot_id.is_(None) if bot_id is None else PositionRow.bot_id == bot_id
    # populate_existing: several fills in one transaction must see each other's updates.
    async with translated("find position"):
        row: PositionRow | None = await session.scalar(
            select(PositionRow)
            .where(
                PositionRow.user_id == user_id,
                PositionRow.status == "open",
                PositionRow.exchange == exchange,
                PositionRow.symbol == symbol,
                bot,
            )
            .order_by(PositionRow.id)
            .limit(1)
            .execution_options(populate_existing=True)
        )
    return row


async def _grow(
    session: AsyncSession, row: PositionRow, amount: Decimal, entry: Decimal, pnl: Decimal
) -> None:
    # The repository does not move entry prices; an add at a new price must, so this one
    # versioned, user-scoped UPDATE does it with the amount.
    async with translated("grow position"):
        updated = await session.scalar(
            update(PositionRow)
            .where(
                PositionRow.id == row.id,
                PositionRow.user_id == row.user_id,
                PositionRow.version == row.version,
                PositionRow.status == "open",
            )
            .values(
                amount=amount,
                entry_price=entry,
                realized_pnl=pnl,
                version=PositionRow.version + 1,
            )
            .returning(PositionRow.id)
        )
    if updated is None:
        raise Conflict(f"position {row.id} changed while a fill was applied")


async def apply_fill(
    session: AsyncSession, order: OrderRow, fill: FillFacts, levels: PositionLevels | None
) -> None:
    """Apply a new fill of ``order`` to its position: open, grow, shrink or close it."""
    base, _, quote = order.symbol.partition("/")
    fee_base = fill.fee if fill.fee_currency == base else ZERO
    fee_quote = fill.fee if fill.fee_currency in (quote, None) else ZERO
    row = await find_open(
        session,
        user_id=order.user_id,
        bot_id=order.bot_id,
        exchange=order.exchange,
        symbol=order.symbol,
    )
    if order.side == "buy":
        net = fill.amount - fee_base
        if row is None:
            lv = levels or PositionLevels()
            opened = await positions.open_position(
                session,
                user_id=order.user_id,
                bot_id=order.bot_id,
                exchange=order.exchange,
                symbol=order.symbol,
                side="long",
                amount=net,
                entry_price=fill.price,
                stop_price=lv.stop_price,
                take_profit=lv.take_profit,
                trail_pct=lv.trail_pct,
                opened_at=fill.ts,
            )
            if fee_quote:
                opened.realized_pnl = -fee_quote
                async with translated("open position"):
                    await session.flush()
            return
        total = row.amount + net
        entry = (row.amount * row.entry_price + net * fill.price) / total
        await _grow(session, row, total, entry, row.realized_pnl - fee_quote)
        return
    if row is None:
        log.warning("sell fill of %s on %s with no open position", order.symbol, order.account_ref)
        return
    pnl = row.realized_pnl + (fill.price - row.entry_price) * fill.amount - fee_quote
    rest = row.amount - fill.amount
    if rest <= 0:
        await positions.close(
            session,
            user_id=order.user_id,
            position_id=row.id,
            expected_version=row.version,
            realized_pnl=pnl,
            closed_at=fill.ts,
        )
        return
    await positions.update_levels(
        session,
        user_id=order.user_id,
        position_id=row.id,
        expected_version=row.version,
        changes={"amount": rest, "realized_pnl": pnl},
    )
