"""The trader's plan grants: read once per user, kept for the TTL but never past the
subscription's end, so an expired plan stops a bot's entries at the next cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from simbiot.config import load_settings
from simbiot.domain.clock import SimulatedClock
from simbiot.services.container import Container
from simbiot.services.entitlements import PlanEntitlements
from simbiot.storage.repositories import users
from simbiot.storage.tables import SubscriptionRow

START_MS = 1_800_000_000_000


async def test_a_grant_ends_with_its_subscription(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        billing={
            "plans": {
                "free": {"entitlements": {"max_bots": 0, "live_trading": False}},
                "pro": {"price": 5, "entitlements": {"max_bots": 3, "live_trading": True}},
            }
        },
    )
    clock = SimulatedClock(START_MS)
    now = datetime.fromtimestamp(START_MS / 1000, tz=UTC)
    async with Container(settings, clock=clock) as c:
        async with c.database.transaction() as session:
            pro = await users.create(session, email="pro@x.io", password_hash="!")
            free = await users.create(session, email="free@x.io", password_hash="!")
            session.add(
                SubscriptionRow(
                    user_id=pro.id,
                    plan="pro",
                    status="active",
                    period_start=now - timedelta(days=1),
                    period_end=now + timedelta(seconds=30),
                )
            )
        ent = PlanEntitlements(c.database, settings.billing, clock, ttl_s=60)
        grants = await ent.refresh([pro.id, free.id])
        assert (grants[pro.id].plan, grants[free.id].plan) == ("pro", "free")
        assert await ent.may_trade(pro.id, paper=False)
        assert not await ent.may_trade(free.id, paper=True)  # a plan without bots

        # Within the TTL the grant is not read again: a new subscription is not seen yet.
        async with c.database.transaction() as session:
            session.add(
                SubscriptionRow(
                    user_id=free.id,
                    plan="pro",
                    status="active",
                    period_start=now - timedelta(days=1),
                    period_end=now + timedelta(days=30),
                )
            )
        clock.advance(10)
        assert (await ent.refresh([free.id]))[free.id].plan == "free"

        # Past the subscription's end (before the TTL): the plan in force is read again.
        clock.advance(25)
        assert (await ent.refresh([pro.id]))[pro.id].plan == "free"
        assert not await ent.may_trade(pro.id, paper=False)
        # Past the TTL the new subscription is seen.
        clock.advance(30)
        assert (await ent.grant(free.id)).plan == "pro"
