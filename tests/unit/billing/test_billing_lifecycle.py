"""The subscription lifecycle on a simulated clock: subscribe, pay, renew, grace, expiry,
cancellation, plan changes and grants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from billing_world import World

from simbiot.billing.entitlements import current_plan
from simbiot.billing.errors import UnknownPlan
from simbiot.billing.grants import grant_plan
from simbiot.billing.subscriptions import cancel, subscribe
from simbiot.billing.sweeper import SweepReport, sweep
from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.repositories import audit
from simbiot.storage.tables import PaymentRow


async def _plan(world: World, user_id: int) -> str:
    async with world.database.transaction() as s:
        grant = await current_plan(s, user_id=user_id, settings=world.settings, now=world.now)
        return grant.plan


async def _subscribe(world: World, user_id: int, plan: str = "pro") -> PaymentRow:
    async with world.database.transaction() as s:
        payment, checkout = await subscribe(
            s,
            user_id=user_id,
            plan=plan,
            settings=world.settings,
            provider=world.provider,
            now=world.now,
        )
    assert checkout.url.endswith(f"/{checkout.provider_ref}/pay")
    assert payment.provider_ref == checkout.provider_ref
    return payment


async def _sweep(world: World) -> SweepReport:
    return await sweep(
        world.database, settings=world.settings, provider=world.provider, now=world.now
    )


async def _pending(world: World, user_id: int) -> list[PaymentRow]:
    from sqlalchemy import select

    async with world.database.transaction() as s:
        rows = await s.scalars(
            select(PaymentRow).where(PaymentRow.user_id == user_id, PaymentRow.status == "pending")
        )
        return list(rows.all())


async def test_a_subscription_takes_effect_only_when_paid(world: World) -> None:
    uid = await world.user()
    payment = await _subscribe(world, uid)
    assert payment.status == "pending"
    assert payment.amount == world.settings.plans["pro"].price
    assert await _plan(world, uid) == "free"

    receipt = await world.pay(payment)
    assert (receipt.status, receipt.outcome) == ("processed", "succeeded")
    assert await _plan(world, uid) == "pro"
    (sub,) = await world.subscriptions(uid)
    assert sub.status == "active"
    assert sub.period_end - sub.period_start == timedelta(days=30)
    assert (await world.payment(payment.id)).status == "succeeded"


async def test_a_failed_payment_leaves_the_default_plan(world: World) -> None:
    uid = await world.user()
    payment = await _subscribe(world, uid)
    receipt = await world.pay(payment, paid=False)
    assert receipt.outcome == "failed"
    assert (await world.payment(payment.id)).status == "failed"
    assert await world.subscriptions(uid) == []
    assert await _plan(world, uid) == "free"


async def test_renewal_paid_in_grace_continues_from_the_old_end(world: World) -> None:
    uid = await world.user()
    await world.pay(await _subscribe(world, uid))
    (first,) = await world.subscriptions(uid)
    world.advance(days=30)
    report = await _sweep(world)
    assert report.renewing == [first.id]
    (sub,) = await world.subscriptions(uid)
    assert sub.status == "grace"
    assert sub.grace_until == first.period_end + timedelta(days=world.settings.grace_days)
    assert await _plan(world, uid) == "pro"  # grace keeps the plan
    (renewal,) = await _pending(world, uid)
    assert renewal.plan == "pro"

    world.advance(days=1)
    await world.pay(renewal)
    (sub,) = await world.subscriptions(uid)
    assert sub.status == "active"
    assert sub.period_start == first.period_end
    assert sub.period_end == first.period_end + timedelta(days=30)
    assert sub.grace_until is None
    # Sweeping again before the new end changes nothing.
    world.advance(days=10)
    again = await _sweep(world)
    assert again.renewing == []
    assert again.expired == []


async def test_unpaid_renewal_goes_through_grace_to_expiry_and_stops_extra_bots(
    world: World,
) -> None:
    uid = await world.user()
    await world.pay(await _subscribe(world, uid))
    bot_ids = await world.bots(uid, "paper", "paper", "live")
    world.advance(days=30)
    await _sweep(world)
    assert dict((await world.bot_statuses(uid)).items()) == dict.fromkeys(bot_ids, "running")
    world.advance(days=world.settings.grace_days, seconds=-1)
    assert (await _sweep(world)).expired == []

    world.advance(seconds=1)
    report = await _sweep(world)
    (sub,) = await world.subscriptions(uid)
    assert sub.status == "expired"
    assert report.expired == [sub.id]
    assert await _plan(world, uid) == "free"
    # Free allows one paper bot: the oldest paper bot keeps running, the rest stop.
    statuses = await world.bot_statuses(uid)
    assert statuses == {bot_ids[0]: "running", bot_ids[1]: "stopped", bot_ids[2]: "stopped"}
    assert sorted(report.stopped_bots) == sorted(bot_ids[1:])
    async with world.database.transaction() as s:
        entries = await audit.list_for_user(s, user_id=uid)
    stopped = {e.subject for e in entries if e.action == "bot.stopped"}
    assert stopped == {f"bot:{bot_ids[1]}", f"bot:{bot_ids[2]}"}
    assert all(e.actor == "system:billing" for e in entries if e.action == "bot.stopped")
    # The unpaid renewal checkout is void: paying it now changes nothing.
    (renewal,) = [p for p in await _all_payments(world, uid) if p.status == "failed"]
    receipt = await world.pay(renewal)
    assert receipt.outcome == "not_pending"
    assert await _plan(world, uid) == "free"


async def _all_payments(world: World, user_id: int) -> list[PaymentRow]:
    from sqlalchemy import select

    async with world.database.transaction() as s:
        rows = await s.scalars(select(PaymentRow).where(PaymentRow.user_id == user_id))
        return list(rows.all())


async def test_cancel_keeps_the_plan_to_the_period_end_then_ends_without_renewal(
    world: World,
) -> None:
    uid = await world.user()
    await world.pay(await _subscribe(world, uid))
    await world.bots(uid, "paper", "paper")
    world.advance(days=5)
    async with world.database.transaction() as s:
        sub = await cancel(s, user_id=uid, settings=world.settings, now=world.now)
    assert (sub.status, sub.auto_renew) == ("active", False)
    world.advance(days=24)
    await _sweep(world)
    assert await _plan(world, uid) == "pro"

    world.advance(days=1)
    report = await _sweep(world)
    (sub,) = await world.subscriptions(uid)
    assert sub.status == "cancelled"
    assert report.cancelled == [sub.id]
    assert await _pending(world, uid) == []  # no renewal was asked for
    assert await _plan(world, uid) == "free"
    assert sorted((await world.bot_statuses(uid)).values()) == ["running", "stopped"]


async def test_cancel_in_grace_ends_at_once(world: World) -> None:
    uid = await world.user()
    await world.pay(await _subscribe(world, uid))
    world.advance(days=30)
    await _sweep(world)
    async with world.database.transaction() as s:
        sub = await cancel(s, user_id=uid, settings=world.settings, now=world.now)
    assert sub.status == "cancelled"
    assert await _pending(world, uid) == []
    assert await _plan(world, uid) == "free"


async def test_cancel_without_a_subscription_is_not_found(world: World) -> None:
    uid = await world.user()
    async with world.database.transaction() as s:
        with pytest.raises(NotFound):
            await cancel(s, user_id=uid, settings=world.settings, now=world.now)


async def test_resubscribing_to_the_active_plan_is_a_conflict(world: World) -> None:
    uid = await world.user()
    await world.pay(await _subscribe(world, uid))
    with pytest.raises(Conflict):
        await _subscribe(world, uid)


async def test_resubscribing_after_cancel_pays_one_more_period(world: World) -> None:
    uid = await world.user()
    await world.pay(await _subscribe(world, uid))
    (first,) = await world.subscriptions(uid)
    async with world.database.transaction() as s:
        await cancel(s, user_id=uid, settings=world.settings, now=world.now)
    await world.pay(await _subscribe(world, uid))
    (sub,) = await world.subscriptions(uid)
    assert sub.auto_renew is True
    assert sub.period_start == first.period_start
    assert sub.period_end == first.period_end + timedelta(days=30)


async def test_a_new_checkout_voids_the_previous_unpaid_one(world: World) -> None:
    uid = await world.user()
    old = await _subscribe(world, uid)
    new = await _subscribe(world, uid, "enterprise")
    assert (await world.payment(old.id)).status == "failed"
    assert (await world.pay(old)).outcome == "not_pending"
    await world.pay(new)
    assert await _plan(world, uid) == "enterprise"


async def test_changing_plan_switches_now_and_enforces_the_new_plan(world: World) -> None:
    uid = await world.user()
    await world.pay(await _subscribe(world, uid, "enterprise"))
    bot_ids = await world.bots(uid, *["paper"] * 12)
    world.advance(days=3)
    await world.pay(await _subscribe(world, uid, "pro"))
    old, new = await world.subscriptions(uid)
    assert (old.status, old.period_end) == ("cancelled", world.now)
    assert (new.plan, new.status, new.period_start) == ("pro", "active", world.now)
    assert await _plan(world, uid) == "pro"
    statuses = await world.bot_statuses(uid)
    assert [statuses[b] for b in bot_ids] == ["running"] * 10 + ["stopped"] * 2


@pytest.mark.parametrize("plan", ["free", "gold"])
async def test_only_configured_paid_plans_can_be_bought(world: World, plan: str) -> None:
    uid = await world.user()
    with pytest.raises(UnknownPlan):
        await _subscribe(world, uid, plan)
    assert await _all_payments(world, uid) == []


async def test_a_subscription_to_a_plan_removed_from_config_expires_at_its_end(
    world: World,
) -> None:
    uid = await world.user()
    await world.pay(await _subscribe(world, uid, "enterprise"))
    world.settings = world.settings.model_copy(
        update={"plans": {k: v for k, v in world.settings.plans.items() if k != "enterprise"}}
    )
    world.advance(days=30)
    report = await _sweep(world)
    (sub,) = await world.subscriptions(uid)
    assert sub.status == "expired"
    assert report.expired == [sub.id]


async def test_grant_gives_a_plan_without_payment_and_extends_it(world: World) -> None:
    uid = await world.user()
    admin = await world.user()
    async with world.database.transaction() as s:
        sub = await grant_plan(
            s,
            user_id=uid,
            plan="pro",
            days=10,
            settings=world.settings,
            now=world.now,
            granted_by=admin,
        )
    assert (sub.plan, sub.auto_renew, sub.period_end) == ("pro", False, world.now + timedelta(10))
    assert await _plan(world, uid) == "pro"
    async with world.database.transaction() as s:
        again = await grant_plan(
            s,
            user_id=uid,
            plan="pro",
            days=5,
            settings=world.settings,
            now=world.now,
            granted_by=admin,
        )
        entries = await audit.list_for_user(s, user_id=uid)
    assert again.id == sub.id
    assert again.period_end == world.now + timedelta(days=15)
    assert [e.actor for e in entries if e.action == "subscription.granted"] == [f"user:{admin}"] * 2
    # A grant does not renew: at its end the user is back on the default plan.
    world.advance(days=15)
    await _sweep(world)
    assert await _plan(world, uid) == "free"


async def test_grant_refuses_unknown_users_plans_and_days(world: World) -> None:
    uid = await world.user()
    async with world.database.transaction() as s:
        with pytest.raises(NotFound):
            await grant_plan(
                s,
                user_id=uid + 999,
                plan="pro",
                days=1,
                settings=world.settings,
                now=world.now,
                granted_by=uid,
            )
        for plan in ("free", "gold"):
            with pytest.raises(UnknownPlan):
                await grant_plan(
                    s,
                    user_id=uid,
                    plan=plan,
                    days=1,
                    settings=world.settings,
                    now=world.now,
                    granted_by=uid,
                )
        with pytest.raises(ValueError, match="days"):
            await grant_plan(
                s,
                user_id=uid,
                plan="pro",
                days=0,
                settings=world.settings,
                now=world.now,
                granted_by=uid,
            )
