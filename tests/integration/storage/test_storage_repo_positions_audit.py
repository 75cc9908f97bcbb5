"""Contract: positions (optimistic versions), audit trail and symbol problems."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.repositories import audit, bots, positions, strategies, symbol_problems, users

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def _users(session: AsyncSession) -> tuple[int, int]:
    a = await users.create(session, email="a@x.io", password_hash="h")
    b = await users.create(session, email="b@x.io", password_hash="h")
    return a.id, b.id


async def _open(session: AsyncSession, user_id: int) -> int:
    row = await positions.open_position(
        session,
        user_id=user_id,
        bot_id=None,
        exchange="mexc",
        symbol="ETH/USDT",
        side="long",
        amount=Decimal("1.5"),
        entry_price=Decimal("3000"),
        stop_price=Decimal("2900"),
        trail_pct=Decimal("0.02"),
        opened_at=NOW,
    )
    return row.id


async def test_position_update_and_close_with_versions(session: AsyncSession) -> None:
    alice, _ = await _users(session)
    pid = await _open(session, alice)
    await session.commit()

    opened = await positions.get(session, user_id=alice, position_id=pid)
    assert (opened.version, opened.best_price, opened.status) == (1, Decimal("3000"), "open")

    moved = await positions.update_levels(
        session,
        user_id=alice,
        position_id=pid,
        expected_version=1,
        changes={"stop_price": Decimal("2950"), "best_price": Decimal("3100")},
    )
    await session.commit()
    assert (moved.version, moved.stop_price, moved.best_price) == (
        2,
        Decimal("2950"),
        Decimal("3100"),
    )

    with pytest.raises(Conflict, match="version 2"):
        await positions.update_levels(
            session,
            user_id=alice,
            position_id=pid,
            expected_version=1,
            changes={"stop_price": Decimal("1")},
        )
    closed = await positions.close(
        session,
        user_id=alice,
        position_id=pid,
        expected_version=2,
        realized_pnl=Decimal("-75.25"),
        closed_at=NOW + timedelta(hours=1),
    )
    await session.commit()
    assert (closed.status, closed.version, closed.realized_pnl) == ("closed", 3, Decimal("-75.25"))
    assert closed.closed_at == NOW + timedelta(hours=1)
    assert await positions.list_open(session, user_id=alice) == []
    with pytest.raises(Conflict, match="closed"):
        await positions.close(
            session, user_id=alice, position_id=pid, expected_version=3, realized_pnl=Decimal(0)
        )


async def test_other_users_position_is_not_found_and_untouched(session: AsyncSession) -> None:
    alice, bob = await _users(session)
    pid = await _open(session, alice)
    await session.commit()

    with pytest.raises(NotFound):
        await positions.get(session, user_id=bob, position_id=pid)
    with pytest.raises(NotFound):
        await positions.update_levels(
            session,
            user_id=bob,
            position_id=pid,
            expected_version=1,
            changes={"stop_price": Decimal(1)},
        )
    with pytest.raises(NotFound):
        await positions.close(
            session, user_id=bob, position_id=pid, expected_version=1, realized_pnl=Decimal(0)
        )
    await session.commit()
    session.expunge_all()
    row = await positions.get(session, user_id=alice, position_id=pid)
    assert (row.version, row.stop_price, row.status) == (1, Decimal("2900"), "open")
    assert await positions.list_open(session, user_id=bob) == []


async def test_position_rejects_unknown_fields_and_sides(session: AsyncSession) -> None:
    alice, _ = await _users(session)
    pid = await _open(session, alice)
    with pytest.raises(ValueError, match="not updatable"):
        await positions.update_levels(
            session,
            user_id=alice,
            position_id=pid,
            expected_version=1,
            changes={"user_id": Decimal(2)},
        )
    with pytest.raises(ValueError, match="side"):
        await positions.open_position(
            session,
            user_id=alice,
            bot_id=None,
            exchange="mexc",
            symbol="X/USDT",
            side="up",
            amount=Decimal(1),
            entry_price=Decimal(1),
        )


async def test_audit_append_and_read_back_per_user(session: AsyncSession) -> None:
    alice, bob = await _users(session)
    await audit.append(
        session, user_id=alice, actor="api", action="login", subject="user:1", ts=NOW
    )
    await audit.append(
        session,
        user_id=alice,
        actor="api",
        action="key.add",
        subject="account:7",
        detail={"exchange": "mexc"},
        ts=NOW + timedelta(seconds=1),
    )
    await audit.append(session, user_id=None, actor="system", action="boot", subject="-")
    await session.commit()

    entries = await audit.list_for_user(session, user_id=alice)
    assert [e.action for e in entries] == ["key.add", "login"]
    assert entries[0].detail == {"exchange": "mexc"}
    assert await audit.list_for_user(session, user_id=bob) == []
    assert len(await audit.list_for_user(session, user_id=alice, limit=1)) == 1


async def test_symbol_problems_record_list_clear(session: AsyncSession) -> None:
    day = timedelta(hours=24)
    await symbol_problems.record(
        session,
        exchange="mexc",
        symbol="AIMMT/USDT",
        reason="malformed",
        failures=3,
        now=NOW,
        ttl=day,
    )
    await symbol_problems.record(
        session,
        exchange="mexc",
        symbol="OLD/USDT",
        reason="timeout",
        failures=3,
        now=NOW - 2 * day,
        ttl=day,
    )
    await symbol_problems.record(
        session, exchange="binance", symbol="X/USDT", reason="timeout", failures=5, now=NOW, ttl=day
    )
    await session.commit()

    active = await symbol_problems.list_active(session, now=NOW + timedelta(hours=1))
    assert [(p.exchange, p.symbol) for p in active] == [
        ("binance", "X/USDT"),
        ("mexc", "AIMMT/USDT"),
    ]
    on_mexc = await symbol_problems.list_active(session, now=NOW, exchange="mexc")
    assert [p.symbol for p in on_mexc] == ["AIMMT/USDT"]
    assert on_mexc[0].expires_at == NOW + day
    assert await symbol_problems.list_active(session, now=NOW + 2 * day) == []

    later = NOW + timedelta(hours=2)
    assert (
        await symbol_problems.clear(session, exchange="mexc", symbol="AIMMT/USDT", now=later) == 1
    )
    assert (
        await symbol_problems.clear(session, exchange="mexc", symbol="AIMMT/USDT", now=later) == 0
    )
    await session.commit()
    assert [p.symbol for p in await symbol_problems.list_active(session, now=later)] == ["X/USDT"]
    with pytest.raises(ValueError, match="ttl"):
        await symbol_problems.record(
            session, exchange="m", symbol="s", reason="r", failures=1, now=NOW, ttl=timedelta(0)
        )


async def test_position_for_another_users_bot_is_not_found(session: AsyncSession) -> None:
    alice, bob = await _users(session)
    strat = await strategies.create(session, user_id=None, name="s", kind="k", definition={})
    alices_bot = await bots.create(session, user_id=alice, strategy_id=strat.id, name="b")
    with pytest.raises(NotFound):
        await positions.open_position(
            session,
            user_id=bob,
            bot_id=alices_bot.id,
            exchange="mexc",
            symbol="ETH/USDT",
            side="long",
            amount=Decimal(1),
            entry_price=Decimal(1),
        )
    own = await positions.open_position(
        session,
        user_id=alice,
        bot_id=alices_bot.id,
        exchange="mexc",
        symbol="ETH/USDT",
        side="short",
        amount=Decimal(1),
        entry_price=Decimal(1),
    )
    await session.commit()
    assert await positions.list_open(session, user_id=bob) == []
    assert [
        p.id for p in await positions.list_open(session, user_id=alice, bot_id=alices_bot.id)
    ] == [own.id]
