"""Orders: recorded before they are sent, then followed by their client order id."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.clock import utcnow
from simbiot.storage.errors import translated
from simbiot.storage.repositories import bots
from simbiot.storage.tables import OrderRow
from simbiot.storage.upsert import insert_ignoring_conflict

__all__ = [
    "OPEN_STATUSES",
    "count_for_account",
    "create",
    "get",
    "get_by_client_id",
    "list_open",
    "paper_account_ref",
    "update_by_client_id",
]

# "new": written, not yet acknowledged by the venue; "unknown": sent but the answer was
# lost, so it must be reconciled by client order id before anything is re-sent.
OPEN_STATUSES: tuple[str, ...] = ("new", "open", "unknown")


def paper_account_ref(bot_id: int) -> str:
    """Return the account reference of a paper-trading bot."""
    return f"paper:{bot_id}"


async def create(
    session: AsyncSession,
    *,
    user_id: int,
    bot_id: int | None,
    account_ref: str,
    exchange: str,
    symbol: str,
    client_order_id: str,
    side: str,
    type: str,
    amount: Decimal,
    price: Decimal | None = None,
    status: str = "new",
    created_at: datetime | None = None,
) -> OrderRow:
    """Record an order before sending it; a client id used before raises ``Conflict``.

    ``created_at`` (default: the wall clock) is the caller's clock time when it has one.
    """
    if bot_id is not None:  # another user's bot must not receive this order
        await bots.get(session, user_id=user_id, bot_id=bot_id)
    when = created_at or utcnow()
    values = {
        "user_id": user_id,
        "bot_id": bot_id,
        "account_ref": account_ref,
        "exchange": exchange,
        "symbol": symbol,
        "client_order_id": client_order_id,
        "side": side,
        "type": type,
        "amount": amount,
        "price": price,
        "filled": Decimal(0),
        "fee": Decimal(0),
        "status": status,
        "created_at": when,
        "updated_at": when,
    }
    statement = insert_ignoring_conflict(
        session, OrderRow, values, ("exchange", "account_ref", "client_order_id")
    )
    async with translated("create order"):
        row: OrderRow | None = await session.scalar(statement.returning(OrderRow))
    if row is None:
        raise Conflict(f"client order id {client_order_id!r} already used on {account_ref}")
    return row


async def get(session: AsyncSession, *, user_id: int, order_id: int) -> OrderRow:
    """Return the user's order by its row id, or raise ``NotFound``."""
    async with translated("get order"):
        row = await session.scalar(
            select(OrderRow).where(OrderRow.id == order_id, OrderRow.user_id == user_id)
        )
    if row is None:
        raise NotFound(f"order {order_id} not found")
    return row


async def get_by_client_id(
    session: AsyncSession, *, user_id: int, exchange: str, account_ref: str, client_order_id: str
) -> OrderRow:
    """Return the user's order with this client id on this account, or raise ``NotFound``."""
    async with translated("get order"):
        row = await session.scalar(
            select(OrderRow).where(
                OrderRow.exchange == exchange,
                OrderRow.account_ref == account_ref,
                OrderRow.client_order_id == client_order_id,
                OrderRow.user_id == user_id,
            )
        )
    if row is None:
        raise NotFound(f"order {client_order_id!r} not found")
    return row


async def update_by_client_id(
    session: AsyncSession,
    *,
    user_id: int,
    exchange: str,
    account_ref: str,
    client_order_id: str,
    status: str,
    exchange_order_id: str | None = None,
    filled: Decimal | None = None,
    average: Decimal | None = None,
    fee: Decimal | None = None,
    fee_currency: str | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> OrderRow:
    """Apply what the venue reported; fields left as None keep their stored value.

    ``at`` (default: the wall clock) is the time of the change on the caller's clock.
    """
    changes: dict[str, object] = {"status": status, "updated_at": at or utcnow()}
    optional = {
        "exchange_order_id": exchange_order_id,
        "filled": filled,
        "average": average,
        "fee": fee,
        "fee_currency": fee_currency,
        "reason": reason,
    }
    changes.update({k: v for k, v in optional.items() if v is not None})
    # One UPDATE … RETURNING: order updates are the hottest write after fills.
    async with translated("update order"):
        row: OrderRow | None = await session.scalar(
            update(OrderRow)
            .where(
                OrderRow.exchange == exchange,
                OrderRow.account_ref == account_ref,
                OrderRow.client_order_id == client_order_id,
                OrderRow.user_id == user_id,
            )
            .values(changes)
            .returning(OrderRow)
            .execution_options(populate_existing=True, synchronize_session="fetch")
        )
    if row is None:
        raise NotFound(f"order {client_order_id!r} not found")
    return row


async def list_open(
    session: AsyncSession,
    *,
    user_id: int,
    bot_id: int | None = None,
    statuses: Collection[str] = OPEN_STATUSES,
) -> Sequence[OrderRow]:
    """Return the user's orders still in play (optionally one bot's), oldest first."""
    query = select(OrderRow).where(OrderRow.user_id == user_id, OrderRow.status.in_(list(statuses)))
    if bot_id is not None:
        query = query.where(OrderRow.bot_id == bot_id)
    async with translated("list open orders"):
        result = await session.scalars(query.order_by(OrderRow.id))
        return result.all()


async def count_for_account(session: AsyncSession, *, user_id: int, account_ref: str) -> int:
    """Return how many orders the user ever placed through ``account_ref``."""
    query = (
        select(func.count())
        .select_from(OrderRow)
        .where(OrderRow.user_id == user_id, OrderRow.account_ref == account_ref)
    )
    async with translated("count orders"):
        return int(await session.scalar(query) or 0)
