"""Job workers with stand-in runners on a real database: outcomes of failing runners,
progress through heartbeats, a job taken over by another worker, release on shutdown."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from simbiot.api.jobs import JobService
from simbiot.api.jobs.kinds import Progress
from simbiot.config import Settings
from simbiot.domain.clock import LiveClock
from simbiot.domain.errors import DataError
from simbiot.storage.database import Database
from simbiot.storage.repositories import jobs, users
from simbiot.storage.tables import JobRow


@pytest.fixture
async def database(sqlite_url: str) -> AsyncIterator[Database]:
    settings = Settings.model_validate({"database": {"url": sqlite_url}})
    db = Database(sqlite_url, settings.database)
    await db.start()
    yield db
    await db.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate({"app": {"data_dir": str(tmp_path)}})


async def _job(database: Database, kind: str = "probe") -> int:
    async with database.transaction() as s:
        user = await users.create(s, email=f"{kind}-{time.time_ns()}@x.io", password_hash="h")
        await s.flush()
        row = await jobs.create(s, user_id=user.id, kind=kind, params={}, now=LiveClock().now())
        await s.flush()
        return row.id


async def _row(database: Database, job_id: int) -> JobRow:
    async with database.transaction() as s:
        row = await s.get(JobRow, job_id)
        assert row is not None
        return row


async def _until(
    database: Database, job_id: int, statuses: set[str], limit_s: float = 20
) -> JobRow:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        row = await _row(database, job_id)
        if row.status in statuses:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {statuses}")


def _service(database: Database, settings: Settings, runner: Any, **kw: Any) -> JobService:
    return JobService(
        database, LiveClock(), settings, workers=1, runners={"probe": runner}, poll_s=0.05, **kw
    )


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (DataError("no candles for X/Y"), "DataError: no candles for X/Y"),
        (ValueError("population must be at least 2"), "ValueError: population must be"),
        (RuntimeError("bug"), "the job failed unexpectedly"),
    ],
)
async def test_a_failing_runner_fails_its_job_with_a_safe_reason(
    database: Database, settings: Settings, error: Exception, message: str
) -> None:
    def runner(_s: Settings, _id: int, _p: dict[str, Any], _progress: Progress) -> dict[str, Any]:
        raise error

    job_id = await _job(database)
    service = _service(database, settings, runner)
    await service.start()
    try:
        row = await _until(database, job_id, {"failed", "succeeded"})
    finally:
        await service.aclose()
    assert row.status == "failed"
    assert (row.error or "").startswith(message)
    assert "bug" not in (row.error or "")


async def test_progress_is_recorded_by_heartbeats(database: Database, settings: Settings) -> None:
    release = threading.Event()

    def runner(_s: Settings, _id: int, _p: dict[str, Any], progress: Progress) -> dict[str, Any]:
        progress(0.4)
        release.wait(10)
        return {"answer": 42}

    job_id = await _job(database)
    service = _service(database, settings, runner, lease_s=0.6)
    await service.start()
    try:
        deadline = time.monotonic() + 10
        while (await _row(database, job_id)).progress != pytest.approx(0.4):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        release.set()
        row = await _until(database, job_id, {"succeeded"})
    finally:
        release.set()
        await service.aclose()
    assert row.result == {"answer": 42}
    assert row.progress == 1.0
    assert row.attempts == 1


def _until_stopped(
    _s: Settings, _id: int, _p: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    while True:  # a long job: only JobStopped from its progress callback ends it
        progress(0.5)
        time.sleep(0.02)


async def test_shutdown_puts_a_running_job_back_in_the_queue(
    database: Database, settings: Settings
) -> None:
    job_id = await _job(database)
    service = _service(database, settings, _until_stopped)
    await service.start()
    await _until(database, job_id, {"running"})
    await service.aclose()
    row = await _row(database, job_id)
    assert (row.status, row.lease_owner, row.attempts) == ("queued", None, 0)


async def test_a_worker_whose_job_was_taken_over_stops_and_writes_nothing(
    database: Database, settings: Settings
) -> None:
    job_id = await _job(database)
    service = _service(database, settings, _until_stopped, lease_s=0.6)
    await service.start()
    try:
        await _until(database, job_id, {"running"})
        async with database.transaction() as s:
            row = await s.get(JobRow, job_id)
            assert row is not None
            row.lease_owner = "someone-else"
            row.lease_until = LiveClock().now() + timedelta(minutes=5)
        await asyncio.sleep(1.0)  # a heartbeat or two
        async with database.transaction() as s:
            row = await s.get(JobRow, job_id)
            assert row is not None
            assert (row.status, row.lease_owner) == ("running", "someone-else")
    finally:
        await service.aclose()
    # Shutting down does not release a job that is not ours any more.
    assert (await _row(database, job_id)).lease_owner == "someone-else"
