"""Fills: each venue trade is booked exactly once, however often it is reported."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.storage.errors import translated
from simbiot.storage.repositories import orders
from simbiot.storage.tables import FillRow
from simbiot.storage.upsert import insert_ignoring_conflict

__all__ = ["book", "list_for_order"]


async def book(
    session: AsyncSession,
    *,
    user_id: int,
    order_id: int,
    trade_id: str,
    price: Decimal,
    amount: Decimal,
    ts: datetime,
    fee: Decimal = Decimal(0),
    fee_currency: str | None = None,
) -> bool:
    """Book one trade of the user's order; return True if new, False if already booked."""
    order = await orders.get(session, user_id=user_id, order_id=order_id)
    values: dict[str, Any] = {
        "order_id": order.id,
        "user_id": user_id,
        "exchange": order.exchange,
        "account_ref": order.account_ref,
        "trade_id": trade_id,
        "symbol": order.symbol,
        "side": order.side,
        "price": price,
        "amount": amount,
        "fee": fee,
        "fee_currency": fee_currency,
        "ts": ts,
    }
    statement = insert_ignoring_conflict(
        session, FillRow, values, ("exchange", "account_ref", "trade_id")
    )
    async with translated("book fill"):
        new_id = await session.scalar(statement.returning(FillRow.id))
    return new_id is not None


async def list_for_order(
    session: AsyncSession, *, user_id: int, order_id: int
) -> Sequence[FillRow]:
    """Return the fills of the user's order, in trade time order."""
    async with translated("list fills"):
        result = await session.scalars(
            select(FillRow)
            .where(FillRow.order_id == order_id, FillRow.user_id == user_id)
            .order_by(FillRow.ts, FillRow.id)
        )
        return result.all()
