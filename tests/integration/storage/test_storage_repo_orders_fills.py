"""Contract: orders and fills (idempotent booking, exact decimals) on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.repositories import bots as bots_repo
from simbiot.storage.repositories import fills, orders, strategies, users
from simbiot.storage.tables import FillRow, OrderRow

TS = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


async def _setup(session: AsyncSession) -> tuple[int, int, int]:
    alice = await users.create(session, email="alice@x.io", password_hash="h")
    bob = await users.create(session, email="bob@x.io", password_hash="h")
    strat = await strategies.create(session, user_id=None, name="s", kind="rule", definition={})
    bot = await bots_repo.create(session, user_id=alice.id, strategy_id=strat.id, name="b")
    return alice.id, bob.id, bot.id


async def _order(session: AsyncSession, user_id: int, bot_id: int, cid: str = "c-1") -> OrderRow:
    return await orders.create(
        session,
        user_id=user_id,
        bot_id=bot_id,
        account_ref=orders.paper_account_ref(bot_id),
        exchange="mexc",
        symbol="BTC/USDT",
        client_order_id=cid,
        side="buy",
        type="limit",
        amount=Decimal("0.123456789012345678"),
        price=Decimal("65432.100000000000000001"),
    )


async def test_order_round_trip_is_exact(session: AsyncSession) -> None:
    alice, _, bot = await _setup(session)
    created = await _order(session, alice, bot)
    await session.commit()
    session.expunge_all()

    got = await orders.get_by_client_id(
        session, user_id=alice, exchange="mexc", account_ref=f"paper:{bot}", client_order_id="c-1"
    )
    assert got.id == created.id
    assert got.amount == Decimal("0.123456789012345678")
    assert got.price == Decimal("65432.100000000000000001")
    assert got.filled == Decimal(0)
    assert got.status == "new"
    assert got.created_at.tzinfo is not None


async def test_duplicate_client_order_id_is_a_conflict(session: AsyncSession) -> None:
    alice, _, bot = await _setup(session)
    await _order(session, alice, bot)
    with pytest.raises(Conflict):
        await _order(session, alice, bot)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(OrderRow)) == 1


async def test_update_by_client_id_and_list_open(session: AsyncSession) -> None:
    alice, bob, bot = await _setup(session)
    await _order(session, alice, bot, "c-1")
    await _order(session, alice, bot, "c-2")
    await session.commit()

    done = await orders.update_by_client_id(
        session,
        user_id=alice,
        exchange="mexc",
        account_ref=f"paper:{bot}",
        client_order_id="c-1",
        status="closed",
        exchange_order_id="X1",
        filled=Decimal("0.123456789012345678"),
        average=Decimal("65000.5"),
        fee=Decimal("0.000123"),
        fee_currency="BTC",
    )
    await session.commit()
    assert (done.status, done.exchange_order_id, done.fee_currency) == ("closed", "X1", "BTC")
    still_open = await orders.list_open(session, user_id=alice)
    assert [o.client_order_id for o in still_open] == ["c-2"]
    assert [
        o.client_order_id for o in await orders.list_open(session, user_id=alice, bot_id=bot)
    ] == ["c-2"]
    assert await orders.list_open(session, user_id=bob) == []


async def test_other_users_order_is_not_found_and_not_changed(session: AsyncSession) -> None:
    alice, bob, bot = await _setup(session)
    order = await _order(session, alice, bot)
    await session.commit()

    with pytest.raises(NotFound):
        await orders.get(session, user_id=bob, order_id=order.id)
    with pytest.raises(NotFound):
        await orders.update_by_client_id(
            session,
            user_id=bob,
            exchange="mexc",
            account_ref=f"paper:{bot}",
            client_order_id="c-1",
            status="canceled",
        )
    with pytest.raises(NotFound):
        await fills.book(
            session,
            user_id=bob,
            order_id=order.id,
            trade_id="t1",
            price=Decimal(1),
            amount=Decimal(1),
            ts=TS,
        )
    await session.commit()
    session.expunge_all()
    again = await orders.get(session, user_id=alice, order_id=order.id)
    assert again.status == "new"
    assert await session.scalar(select(func.count()).select_from(FillRow)) == 0


async def test_fill_booked_twice_is_booked_once(session: AsyncSession) -> None:
    alice, _, bot = await _setup(session)
    order = await _order(session, alice, bot)
    kwargs = {
        "user_id": alice,
        "order_id": order.id,
        "trade_id": "T-77",
        "price": Decimal("65000.000000000000000001"),
        "amount": Decimal("0.1"),
        "fee": Decimal("0.0001"),
        "fee_currency": "BTC",
        "ts": TS,
    }
    assert await fills.book(session, **kwargs) is True  # type: ignore[arg-type]
    assert await fills.book(session, **kwargs) is False  # type: ignore[arg-type]
    await session.commit()

    booked = await fills.list_for_order(session, user_id=alice, order_id=order.id)
    assert len(booked) == 1
    assert booked[0].price == Decimal("65000.000000000000000001")
    assert booked[0].ts == TS
    assert (booked[0].exchange, booked[0].account_ref, booked[0].side) == (
        "mexc",
        f"paper:{bot}",
        "buy",
    )


async def test_concurrent_bookings_of_one_trade_book_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as s:
        alice, _, bot = await _setup(s)
        order = await _order(s, alice, bot)
        await s.commit()

    async def book_in_own_session() -> bool:
        async with sessions() as s:
            new = await fills.book(
                s,
                user_id=alice,
                order_id=order.id,
                trade_id="T-race",
                price=Decimal(1),
                amount=Decimal(1),
                ts=TS,
            )
            await s.commit()
            return new

    results = await asyncio.gather(*(book_in_own_session() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(FillRow)) == 1


@pytest.mark.parametrize(
    "value",
    [
        Decimal("99999999999999999999.999999999999999999"),
        Decimal("0.000000000000000001"),
        Decimal("12345678901234567890.123456789012345678"),
    ],
)
async def test_full_precision_decimals_survive_the_database(
    session: AsyncSession, value: Decimal
) -> None:
    alice, _, bot = await _setup(session)
    order = await _order(session, alice, bot)
    await orders.update_by_client_id(
        session,
        user_id=alice,
        exchange="mexc",
        account_ref=f"paper:{bot}",
        client_order_id="c-1",
        status="open",
        filled=value,
        fee=value.copy_negate(),  # unary minus would round to 28 digits
    )
    await session.commit()
    session.expunge_all()
    again = await orders.get(session, user_id=alice, order_id=order.id)
    assert (again.filled, again.fee) == (value, value.copy_negate())


async def test_order_for_another_users_bot_is_not_found(session: AsyncSession) -> None:
    _, bob, alices_bot = await _setup(session)
    with pytest.raises(NotFound):
        await _order(session, bob, alices_bot)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(OrderRow)) == 0
