"""A user's API rate follows their plan, re-read at most once per TTL of the wall clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from simbiot.api.limits.plans import PlanRates
from simbiot.config import Settings
from simbiot.config.sections import BillingSettings, EntitlementSettings, PlanSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.storage.database import Database
from simbiot.storage.repositories import users
from simbiot.storage.tables import SubscriptionRow

START_MS = 1_767_225_600_000  # 2026-01-01


@pytest.fixture
async def database(sqlite_url: str) -> AsyncIterator[Database]:
    db = Database(sqlite_url, Settings.model_validate({"database": {"url": sqlite_url}}).database)
    await db.start()
    yield db
    await db.close()


def _billing() -> BillingSettings:
    def plan(price: int, rate: int) -> PlanSettings:
        return PlanSettings(price=price, entitlements=EntitlementSettings(api_rate_per_minute=rate))

    return BillingSettings(plans={"free": plan(0, 7), "pro": plan(10, 70)})


async def test_a_new_plan_applies_after_the_ttl(database: Database) -> None:
    billing_clock = SimulatedClock(START_MS)
    wall = SimulatedClock(START_MS)
    rates = PlanRates(database, _billing(), billing_clock, wall_clock=wall, ttl_s=30)
    async with database.transaction() as s:
        uid = (await users.create(s, email="p@x.io", password_hash="h")).id
    assert await rates.per_minute(uid) == 7
    now = billing_clock.now()
    async with database.transaction() as s:
        s.add(
            SubscriptionRow(
                user_id=uid,
                plan="pro",
                status="active",
                period_start=now - timedelta(days=1),
                period_end=now + timedelta(days=30),
                auto_renew=True,
            )
        )
    wall.set(START_MS + 29_000)
    assert await rates.per_minute(uid) == 7  # still remembered
    wall.set(START_MS + 31_000)
    assert await rates.per_minute(uid) == 70
    # The plan in force is billing's: past the period's end it is the default again.
    billing_clock.set(START_MS + 31 * 86_400_000)
    rates.forget(uid)
    assert await rates.per_minute(uid) == 7


async def test_the_table_is_bounded(database: Database) -> None:
    clock = SimulatedClock(START_MS)
    rates = PlanRates(database, _billing(), clock, max_users=2)
    async with database.transaction() as s:
        ids = [(await users.create(s, email=f"{i}@x.io", password_hash="h")).id for i in range(3)]
    for uid in ids:
        assert await rates.per_minute(uid) == 7
    assert list(rates._rates) == ids[1:]
