"""The job queue's repository on SQLite and PostgreSQL: leases, take-over, give-up,
owner-guarded writes, cancel, and concurrent claims that never hand a job out twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.repositories import jobs, users

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


async def _user(sessions: async_sessionmaker[AsyncSession], email: str = "a@x.io") -> int:
    async with sessions() as s, s.begin():
        return (await users.create(s, email=email, password_hash="h")).id


async def _queue(sessions: async_sessionmaker[AsyncSession], user_id: int, n: int) -> list[int]:
    async with sessions() as s, s.begin():
        rows = [
            await jobs.create(s, user_id=user_id, kind="backtest", params={"i": i}, now=NOW)
            for i in range(n)
        ]
        await s.flush()
        return [r.id for r in rows]


async def _claim(
    sessions: async_sessionmaker[AsyncSession], owner: str, now: datetime = NOW
) -> int | None:
    async with sessions() as s, s.begin():
        row = await jobs.claim(s, owner=owner, now=now, lease_s=30, max_attempts=3)
        return None if row is None else row.id


async def test_jobs_are_claimed_oldest_first_and_leased(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uid = await _user(sessions)
    ids = await _queue(sessions, uid, 2)
    assert await _claim(sessions, "w1") == ids[0]
    assert await _claim(sessions, "w2") == ids[1]
    assert await _claim(sessions, "w3") is None
    async with sessions() as s:
        row = await jobs.get(s, user_id=uid, job_id=ids[0])
        assert row.status == "running"
        assert row.lease_owner == "w1"
        assert row.attempts == 1
        assert row.lease_until == NOW + timedelta(seconds=30)
        assert row.started_at == NOW


async def test_an_expired_lease_is_taken_over_then_given_up(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uid = await _user(sessions)
    (job_id,) = await _queue(sessions, uid, 1)
    later = NOW
    for attempt, owner in enumerate(("w1", "w2", "w3"), start=1):
        assert await _claim(sessions, owner, later) == job_id
        async with sessions() as s:
            assert (await jobs.get(s, user_id=uid, job_id=job_id)).attempts == attempt
        # Before the lease runs out nobody else gets it.
        assert await _claim(sessions, "other", later + timedelta(seconds=29)) is None
        later += timedelta(seconds=31)
    # Three workers died with it: the fourth claim fails the job instead.
    assert await _claim(sessions, "w4", later) is None
    async with sessions() as s:
        row = await jobs.get(s, user_id=uid, job_id=job_id)
    assert row.status == "failed"
    assert "stopped 3 times" in (row.error or "")


async def test_only_the_lease_owner_writes(sessions: async_sessionmaker[AsyncSession]) -> None:
    uid = await _user(sessions)
    (job_id,) = await _queue(sessions, uid, 1)
    assert await _claim(sessions, "w1") == job_id
    async with sessions() as s, s.begin():
        kw = {"job_id": job_id, "now": NOW, "lease_s": 30.0, "progress": 0.5}
        assert await jobs.heartbeat(s, owner="w1", **kw) is True
        assert await jobs.heartbeat(s, owner="intruder", **kw) is False
        assert not await jobs.finish(s, job_id=job_id, owner="intruder", now=NOW, status="failed")
        assert await jobs.finish(
            s, job_id=job_id, owner="w1", now=NOW, status="succeeded", result={"ok": 1}
        )
        assert not await jobs.heartbeat(s, owner="w1", **kw)
    async with sessions() as s:
        row = await jobs.get(s, user_id=uid, job_id=job_id)
    assert (row.status, row.result, row.progress, row.lease_owner) == (
        "succeeded",
        {"ok": 1},
        1.0,
        None,
    )
    with pytest.raises(ValueError, match="finished job"):
        async with sessions() as s:
            await jobs.finish(s, job_id=job_id, owner="w1", now=NOW, status="running")


async def test_release_puts_a_job_back_without_costing_an_attempt(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uid = await _user(sessions)
    (job_id,) = await _queue(sessions, uid, 1)
    assert await _claim(sessions, "w1") == job_id
    async with sessions() as s, s.begin():
        assert await jobs.release(s, job_id=job_id, owner="w1") is True
        assert await jobs.release(s, job_id=job_id, owner="w1") is False
    async with sessions() as s:
        row = await jobs.get(s, user_id=uid, job_id=job_id)
    assert (row.status, row.attempts, row.lease_owner) == ("queued", 0, None)
    assert await _claim(sessions, "w2") == job_id


async def test_cancel_is_scoped_and_final(sessions: async_sessionmaker[AsyncSession]) -> None:
    alice = await _user(sessions, "a@x.io")
    bob = await _user(sessions, "b@x.io")
    (job_id,) = await _queue(sessions, alice, 1)
    async with sessions() as s, s.begin():
        with pytest.raises(NotFound):
            await jobs.cancel(s, user_id=bob, job_id=job_id, now=NOW)
    assert await _claim(sessions, "w1") == job_id
    async with sessions() as s, s.begin():
        row = await jobs.cancel(s, user_id=alice, job_id=job_id, now=NOW)
        assert row.status == "cancelled"
    async with sessions() as s, s.begin():
        # The worker's lease is gone: its heartbeat tells it to stop.
        kw = {"job_id": job_id, "now": NOW, "lease_s": 30.0, "progress": 0.1}
        assert await jobs.heartbeat(s, owner="w1", **kw) is False
        with pytest.raises(Conflict):
            await jobs.cancel(s, user_id=alice, job_id=job_id, now=NOW)


async def test_pages_and_counts_are_per_user(sessions: async_sessionmaker[AsyncSession]) -> None:
    alice = await _user(sessions, "a@x.io")
    bob = await _user(sessions, "b@x.io")
    ids = await _queue(sessions, alice, 3)
    await _queue(sessions, bob, 1)
    async with sessions() as s:
        first = await jobs.page(s, user_id=alice, limit=2)
        rest = await jobs.page(s, user_id=alice, limit=2, after=first[-1].id)
        assert [r.id for r in first] + [r.id for r in rest] == ids
        assert await jobs.page(s, user_id=alice, limit=5, kinds=["optimisation"]) == []
        n = await jobs.count_since(s, user_id=alice, kinds=["backtest"], since=NOW)
        assert n == 3
        later = NOW + timedelta(seconds=1)
        assert await jobs.count_since(s, user_id=alice, kinds=["backtest"], since=later) == 0


async def test_concurrent_claims_hand_each_job_out_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uid = await _user(sessions)
    ids = await _queue(sessions, uid, 6)

    async def worker(name: str) -> list[int]:
        got: list[int] = []
        while (job_id := await _claim(sessions, name)) is not None:
            got.append(job_id)
        return got

    results = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
    claimed = [j for r in results for j in r]
    assert sorted(claimed) == ids
