"""The background sweeper: one sweep per interval of clock time, surviving failures."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import pytest
from billing_world import World

from simbiot.billing.subscriptions import start_renewal as real_start_renewal
from simbiot.billing.subscriptions import subscribe
from simbiot.billing.sweeper import SweepReport
from simbiot.billing.sweeper_service import BillingSweeper


class StepClock:
    """A clock that stands still; ``sleep`` waits until the test releases it, then moves."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.slept: list[float] = []
        self.release = asyncio.Event()

    def now_ms(self) -> int:
        return self._world.clock.now_ms()

    def now(self) -> datetime:
        return self._world.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await self.release.wait()
        self.release.clear()
        self._world.clock.advance(seconds)


async def _wait_for(predicate: Callable[[], bool]) -> None:
    """Poll ``predicate`` (the sweeper runs in its own task) for at most five seconds."""
    for _ in range(500):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the sweeper did not get there in time")


async def test_it_sweeps_at_start_and_after_each_interval(world: World) -> None:
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
    world.advance(days=30, seconds=-30)
    clock = StepClock(world)
    reports: list[SweepReport] = []
    sweeper = BillingSweeper(
        database=world.database,
        clock=clock,
        settings=world.settings,
        provider=world.provider,
        on_sweep=reports.append,
    )
    await sweeper.start()
    await sweeper.start()  # starting twice runs one loop
    try:
        await _wait_for(lambda: len(reports) == 1)
        assert reports[0].renewing == []
        clock.release.set()  # one minute later the period has ended
        await _wait_for(lambda: len(reports) == 2)
        assert len(reports[1].renewing) == 1
        assert clock.slept[:2] == [60.0, 60.0]
    finally:
        await sweeper.aclose()
        await sweeper.aclose()  # closing twice is harmless
    (sub,) = await world.subscriptions(uid)
    assert sub.status == "grace"


async def test_a_failing_sweep_is_logged_and_the_next_one_still_runs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    clock = StepClock(world)
    reports: list[SweepReport] = []
    calls = 0

    def flaky(report: SweepReport) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        reports.append(report)

    sweeper = BillingSweeper(
        database=world.database,
        clock=clock,
        settings=world.settings,
        provider=world.provider,
        on_sweep=flaky,
    )
    with caplog.at_level(logging.ERROR, logger="simbiot.billing.sweeper_service"):
        await sweeper.start()
        try:
            await _wait_for(lambda: calls == 1)
            clock.release.set()
            await _wait_for(lambda: len(reports) == 1)
        finally:
            await sweeper.aclose()
    assert "billing sweep failed" in caplog.text


async def test_one_broken_subscription_does_not_stop_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simbiot.billing import sweeper as sweeper_module

    uids = [await world.user() for _ in range(3)]
    for uid in uids:
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
    subs = [(await world.subscriptions(u))[0].id for u in uids]

    async def start_renewal(session, *, subscription, **kw):  # type: ignore[no-untyped-def]
        if subscription.id == subs[1]:
            raise RuntimeError("provider down")
        return await real_start_renewal(session, subscription=subscription, **kw)

    monkeypatch.setattr(sweeper_module, "start_renewal", start_renewal)
    world.advance(days=30)
    report = await sweeper_module.sweep(
        world.database,
        settings=world.settings,
        provider=world.provider,
        now=world.now,
        batch_size=1,
    )
    assert report.renewing == [subs[0], subs[2]]
    assert report.failed == [subs[1]]
    assert (await world.subscriptions(uids[1]))[0].status == "active"  # retried next sweep
