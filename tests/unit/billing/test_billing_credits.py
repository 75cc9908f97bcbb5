"""Credits and the ledger: bought through a paid checkout, spent once per reference, never
below zero; backtests covered by the plan's daily allowance, then by credits."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from billing_world import World

from simbiot.billing import ledger
from simbiot.billing.credits import balance, buy_credits, spend_credits
from simbiot.billing.errors import InsufficientCredits, PlanLimit
from simbiot.billing.usage import Usage, consume_backtest
from simbiot.storage.repositories import billing as repo
from simbiot.storage.tables import PaymentRow


async def _buy(world: World, user_id: int, credits: int) -> PaymentRow:
    async with world.database.transaction() as s:
        payment, _ = await buy_credits(
            s,
            user_id=user_id,
            credits=credits,
            settings=world.settings,
            provider=world.provider,
            now=world.now,
        )
    return payment


async def _balance(world: World, user_id: int) -> int:
    async with world.database.transaction() as s:
        return await balance(s, user_id=user_id)


async def _spend(world: World, user_id: int, credits: int, reference: str) -> ledger.Entry:
    async with world.database.transaction() as s:
        return await spend_credits(
            s, user_id=user_id, credits=credits, reference=reference, currency="USD", now=world.now
        )


async def _consume(world: World, user_id: int, reference: str) -> Usage:
    async with world.database.transaction() as s:
        return await consume_backtest(s, user_id, world.settings, world.now, reference)


async def test_bought_credits_arrive_when_paid_with_a_ledger_entry(world: World) -> None:
    uid = await world.user()
    payment = await _buy(world, uid, 250)
    assert payment.amount == Decimal("25.00")
    assert isinstance(payment.amount, Decimal)
    assert (payment.kind, payment.credits, payment.plan) == ("credits", 250, None)
    assert await _balance(world, uid) == 0
    await world.pay(payment)
    assert await _balance(world, uid) == 250
    async with world.database.transaction() as s:
        (entry,) = await repo.ledger_page(s, user_id=uid, after_id=None, limit=10)
    assert (entry.kind, entry.credits, entry.amount, entry.reference) == (
        ledger.CREDITS_PURCHASE,
        250,
        Decimal("25.00"),
        f"payment:{payment.id}",
    )


async def test_buying_zero_credits_is_refused(world: World) -> None:
    uid = await world.user()
    with pytest.raises(ValueError, match="positive"):
        await _buy(world, uid, 0)


async def test_spending_is_idempotent_per_reference_and_the_balance_is_the_ledger_sum(
    world: World,
) -> None:
    uid = await world.user()
    await world.pay(await _buy(world, uid, 100))
    first = await _spend(world, uid, 30, "job:1")
    again = await _spend(world, uid, 30, "job:1")
    assert first.created
    assert not again.created
    assert again.row.id == first.row.id
    await _spend(world, uid, 45, "job:2")
    assert await _balance(world, uid) == 25
    async with world.database.transaction() as s:
        rows = await repo.ledger_page(s, user_id=uid, after_id=None, limit=100)
    assert sum(r.credits for r in rows) == 25
    assert [r.credits for r in rows] == [100, -30, -45]


async def test_a_spend_beyond_the_balance_is_refused_and_writes_nothing(world: World) -> None:
    uid = await world.user()
    await world.pay(await _buy(world, uid, 10))
    with pytest.raises(InsufficientCredits, match="11 credits needed, 10 available"):
        await _spend(world, uid, 11, "job:1")
    assert await _balance(world, uid) == 10
    with pytest.raises(ValueError, match="negative"):
        await _spend(world, uid, -5, "job:2")
    assert await _balance(world, uid) == 10


async def test_balances_are_per_user(world: World) -> None:
    a, b = await world.user(), await world.user()
    await world.pay(await _buy(world, a, 40))
    assert (await _balance(world, a), await _balance(world, b)) == (40, 0)
    # The same reference in two users' ledgers are two entries.
    await world.pay(await _buy(world, b, 40))
    await _spend(world, a, 5, "same")
    await _spend(world, b, 7, "same")
    assert (await _balance(world, a), await _balance(world, b)) == (35, 33)


async def test_backtests_use_the_daily_allowance_then_credits_then_are_refused(
    world: World,
) -> None:
    uid = await world.user()
    allowance = world.settings.plans["free"].entitlements.backtests_per_day
    cost = world.settings.credits_per_extra_backtest
    for i in range(allowance):
        usage = await _consume(world, uid, f"bt-{i}")
        assert (usage.source, usage.credits_spent) == ("plan", 0)
    with pytest.raises(PlanLimit) as refused:
        await _consume(world, uid, "bt-extra")
    assert refused.value.limit == "backtests_per_day"
    assert await _balance(world, uid) == 0

    await world.pay(await _buy(world, uid, cost + 3))
    usage = await _consume(world, uid, "bt-extra")
    assert (usage.source, usage.credits_spent) == ("credits", cost)
    repeat = await _consume(world, uid, "bt-extra")
    assert repeat.repeated
    assert repeat.credits_spent == cost
    assert await _balance(world, uid) == 3
    with pytest.raises(PlanLimit):
        await _consume(world, uid, "bt-more")
    assert await _balance(world, uid) == 3


async def test_the_allowance_renews_each_utc_day_and_repeats_cost_nothing(world: World) -> None:
    uid = await world.user()
    allowance = world.settings.plans["free"].entitlements.backtests_per_day
    for i in range(allowance):
        await _consume(world, uid, f"d1-{i}")
    repeat = await _consume(world, uid, "d1-0")
    assert (repeat.source, repeat.repeated) == ("plan", True)
    world.advance(hours=12)  # 12:00 → 00:00 the next day
    usage = await _consume(world, uid, "d2-0")
    assert usage.source == "plan"


async def test_a_plan_with_a_bigger_allowance_allows_more(world: World) -> None:
    from simbiot.billing.subscriptions import subscribe

    uid = await world.user()
    async with world.database.transaction() as s:
        payment, _ = await subscribe(
            s,
            user_id=uid,
            plan="pro",
            settings=world.settings,
            provider=world.provider,
            now=world.now,
        )
    await world.pay(payment)
    for i in range(world.settings.plans["pro"].entitlements.backtests_per_day):
        assert (await _consume(world, uid, f"p-{i}")).source == "plan"
    with pytest.raises(PlanLimit):
        await _consume(world, uid, "p-over")


async def test_concurrent_spends_never_take_the_balance_below_zero(pg_world: World) -> None:
    world = pg_world
    uid = await world.user()
    await world.pay(await _buy(world, uid, 50))

    async def attempt(i: int) -> bool:
        try:
            await _spend(world, uid, 20, f"race:{i}")
        except InsufficientCredits:
            return False
        return True

    results = await asyncio.gather(*(attempt(i) for i in range(6)))
    assert sum(results) == 2
    assert await _balance(world, uid) == 10


async def test_concurrent_backtests_stay_within_the_allowance(pg_world: World) -> None:
    world = pg_world
    uid = await world.user()
    allowance = world.settings.plans["free"].entitlements.backtests_per_day

    async def attempt(i: int) -> bool:
        try:
            await _consume(world, uid, f"race:{i}")
        except PlanLimit:
            return False
        return True

    results = await asyncio.gather(*(attempt(i) for i in range(5)))
    assert sum(results) == allowance
    async with world.database.transaction() as s:
        used = await repo.count_ledger_since(
            s, user_id=uid, kind=ledger.BACKTEST_PLAN, since=world.now - timedelta(days=1)
        )
    assert used == allowance
