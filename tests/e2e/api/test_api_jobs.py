"""Background jobs over HTTP: backtests and optimisations queued, run by the API's workers,
followed, reported, cancelled, counted against the plan, and surviving a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from api_harness import ApiHarness, api_settings, serve
from sqlalchemy import update

from simbiot.analysis.xray.synthetic import random_market
from simbiot.api.app import create_app
from simbiot.config import Settings
from simbiot.config.sections import BillingSettings, EntitlementSettings, PlanSettings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.market import Candles
from simbiot.storage.repositories import jobs as jobs_repo
from simbiot.storage.tables import JobRow

STRATEGY = "trend_ema_adx"


def store_candles(settings: Settings, n_symbols: int = 3, n_bars: int = 800) -> list[str]:
    """Synthetic hourly candles in the settings' candle store; return the symbols."""
    frame = random_market(n_symbols, n_bars, seed=5, late_listing_share=0.0)
    store = ParquetCandleStore(
        settings.path(settings.data.candle_dir), settings.exchanges.default, "1h"
    )
    for i, sym in enumerate(frame.symbols):
        ok = np.isfinite(frame.close[i])
        store.append(
            Candles(
                sym, "1h", frame.timestamp[ok], frame.open[i][ok], frame.high[i][ok],
                frame.low[i][ok], frame.close[i][ok], frame.volume[i][ok],
            )
        )  # fmt: skip
    return list(frame.symbols)


async def wait_for(
    api: ApiHarness, path: str, auth: dict[str, str], statuses: set[str], limit_s: float = 90
) -> dict[str, Any]:
    """Poll a job until its status is one of ``statuses``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while True:
        r = await api.client.get(path, headers=auth)
        assert r.status_code == 200, r.text
        doc: dict[str, Any] = r.json()
        if doc["status"] in statuses:
            return doc
        if loop.time() > deadline:
            raise AssertionError(f"job still {doc['status']} after {limit_s}s: {doc}")
        await asyncio.sleep(0.2)


def roomy(settings: Settings, **api: Any) -> Settings:
    """``settings`` with a free plan that lets a test poll and submit freely."""
    free = PlanSettings(
        entitlements=EntitlementSettings(api_rate_per_minute=100_000, backtests_per_day=100)
    )
    return settings.model_copy(
        update={
            "billing": BillingSettings(plans={"free": free}),
            "api": settings.api.model_copy(update=api),
        }
    )


def _fast(tmp_path: Path, **sections: Any) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path}/jobs.db"
    return api_settings(tmp_path, database_url=url, **sections)


@pytest.fixture
async def jobs_api(tmp_path: Path) -> AsyncIterator[ApiHarness]:
    settings = _fast(
        tmp_path, billing={"plans": {"free": {"entitlements": {"backtests_per_day": 50}}}}
    )
    store_candles(settings)
    async for harness in serve(create_app(settings)):
        yield harness


async def test_a_backtest_runs_in_the_background_and_reports(api: ApiHarness) -> None:
    symbols = store_candles(api.state.settings)
    _, auth = await api.user()
    body = {"strategy": STRATEGY, "symbols": symbols[:2], "timeframe": "1h", "fee": 0.001}
    r = await api.client.post("/api/v1/backtests", json=body, headers=auth)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("queued", "running")
    assert job["kind"] == "backtest"
    done = await wait_for(api, f"/api/v1/backtests/{job['id']}", auth, {"succeeded", "failed"})
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0
    assert {"sharpe", "max_drawdown", "trades"} <= set(done["metrics"])
    report = await api.client.get(f"/api/v1/backtests/{job['id']}/report", headers=auth)
    assert report.status_code == 200
    doc = report.json()
    assert doc["symbols"] == symbols[:2]
    assert doc["audit"]["ok"] is True
    assert doc["metrics"]["trades"] == done["metrics"]["trades"]
    html = await api.client.get(
        f"/api/v1/backtests/{job['id']}/report", params={"format": "html"}, headers=auth
    )
    assert html.headers["content-type"].startswith("text/html")
    assert html.text.startswith("<!doctype html>")


async def test_another_users_job_is_not_found(jobs_api: ApiHarness) -> None:
    api = jobs_api
    _, alice = await api.user()
    _, bob = await api.user()
    r = await api.client.post("/api/v1/backtests", json={"strategy": STRATEGY}, headers=alice)
    job_id = r.json()["id"]
    for path in (f"/api/v1/backtests/{job_id}", f"/api/v1/backtests/{job_id}/report"):
        assert (await api.client.get(path, headers=bob)).status_code == 404
    cancel = await api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=bob)
    assert cancel.status_code == 404
    assert (await api.client.get("/api/v1/jobs", headers=bob)).json()["items"] == []
    # A backtest id is not an optimisation id.
    assert (
        await api.client.get(f"/api/v1/optimisations/{job_id}", headers=alice)
    ).status_code == 404
    done = await wait_for(api, f"/api/v1/backtests/{job_id}", alice, {"succeeded", "failed"})
    assert done["status"] == "succeeded"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"strategy": "no_such_strategy"}, "unknown_strategy"),
        ({"strategy": STRATEGY, "exchange": "nowhere"}, "unknown_exchange"),
        ({"strategy": STRATEGY, "timeframe": "7x"}, "invalid_request"),
        ({"strategy": STRATEGY, "from": "2024-02-01", "to": "2024-01-01"}, "invalid_request"),
        ({"strategy": STRATEGY, "fee": -0.1}, "invalid_request"),
        ({"strategy": STRATEGY, "surprise": 1}, "invalid_request"),
        ({"strategy": STRATEGY, "symbols": ["A/B", "A/B"]}, "invalid_request"),
    ],
)
async def test_bad_submissions_are_refused_and_nothing_is_queued(
    jobs_api: ApiHarness, body: dict[str, Any], code: str
) -> None:
    _, auth = await jobs_api.user()
    r = await jobs_api.client.post("/api/v1/backtests", json=body, headers=auth)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
    assert (await jobs_api.client.get("/api/v1/jobs", headers=auth)).json()["items"] == []


async def test_a_backtest_on_missing_candles_fails_with_the_reason(jobs_api: ApiHarness) -> None:
    _, auth = await jobs_api.user()
    body = {"strategy": STRATEGY, "symbols": ["NOPE/USDT"]}
    job = (await jobs_api.client.post("/api/v1/backtests", json=body, headers=auth)).json()
    done = await wait_for(jobs_api, f"/api/v1/backtests/{job['id']}", auth, {"failed", "succeeded"})
    assert done["status"] == "failed"
    assert "NOPE/USDT" in done["error"]
    report = await jobs_api.client.get(f"/api/v1/backtests/{job['id']}/report", headers=auth)
    assert report.status_code == 409


async def test_the_daily_allowance_is_enforced(tmp_path: Path) -> None:
    plans = {"free": {"entitlements": {"backtests_per_day": 2}}}
    settings = _fast(tmp_path, api={"job_workers": 0}, billing={"plans": plans})
    async for api in serve(create_app(settings)):
        _, auth = await api.user()
        codes = [
            (await api.client.post("/api/v1/backtests", json={"strategy": STRATEGY}, headers=auth))
            for _ in range(3)
        ]
        assert [r.status_code for r in codes] == [202, 202, 402]
        assert codes[-1].json()["error"]["code"] == "plan_limit"
        listed = (await api.client.get("/api/v1/jobs", headers=auth)).json()
        assert len(listed["items"]) == 2
        # Another user has their own allowance.
        _, other = await api.user()
        r = await api.client.post("/api/v1/backtests", json={"strategy": STRATEGY}, headers=other)
        assert r.status_code == 202


async def test_jobs_are_listed_in_pages_and_cancelled(tmp_path: Path) -> None:
    settings = _fast(tmp_path, api={"job_workers": 0})
    async for api in serve(create_app(settings)):
        _, auth = await api.user()
        ids = [
            (
                await api.client.post(
                    "/api/v1/backtests", json={"strategy": STRATEGY}, headers=auth
                )
            ).json()["id"]
            for _ in range(2)
        ]
        first = (await api.client.get("/api/v1/jobs", params={"limit": 1}, headers=auth)).json()
        assert [j["id"] for j in first["items"]] == ids[:1]
        assert first["next_cursor"] == ids[0]
        rest = await api.client.get(
            "/api/v1/jobs", params={"limit": 1, "after": first["next_cursor"]}, headers=auth
        )
        assert [j["id"] for j in rest.json()["items"]] == ids[1:]
        assert rest.json()["next_cursor"] is None
        too_many = await api.client.get("/api/v1/jobs", params={"limit": 100000}, headers=auth)
        assert too_many.status_code == 422
        cancelled = await api.client.post(f"/api/v1/jobs/{ids[0]}/cancel", headers=auth)
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        again = await api.client.post(f"/api/v1/jobs/{ids[0]}/cancel", headers=auth)
        assert again.status_code == 409
        kinds = await api.client.get("/api/v1/jobs", params={"kind": "optimisation"}, headers=auth)
        assert kinds.json()["items"] == []


async def test_an_optimisation_runs_and_returns_its_front(jobs_api: ApiHarness) -> None:
    _, auth = await jobs_api.user()
    body = {
        "strategy": STRATEGY,
        "window": 800,
        "generations": 1,
        "population": 4,
        "train_bars": 300,
        "test_bars": 200,
    }
    r = await jobs_api.client.post("/api/v1/optimisations", json=body, headers=auth)
    assert r.status_code == 202, r.text
    path = f"/api/v1/optimisations/{r.json()['id']}"
    done = await wait_for(jobs_api, path, auth, {"succeeded", "failed"}, limit_s=180)
    assert done["status"] == "succeeded", done
    assert done["result"]["trials"] >= 4
    assert done["result"]["pareto"]
    assert done["metrics"] is None


async def test_a_running_job_can_be_cancelled(tmp_path: Path) -> None:
    settings = roomy(_fast(tmp_path), job_lease_s=5)
    store_candles(settings, n_symbols=6, n_bars=3000)
    async for api in serve(create_app(settings)):
        _, auth = await api.user()
        body = {"strategy": STRATEGY, "engine": "trading"}
        job = (await api.client.post("/api/v1/backtests", json=body, headers=auth)).json()
        path = f"/api/v1/backtests/{job['id']}"
        await wait_for(api, path, auth, {"running"})
        r = await api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=auth)
        assert r.json()["status"] == "cancelled"
        # The worker notices at its next heartbeat and stops; the job stays cancelled.
        await asyncio.sleep(3)
        final = (await api.client.get(path, headers=auth)).json()
        assert final["status"] == "cancelled"
        assert final["metrics"] is None


async def test_a_job_survives_a_restart(api_config: Settings) -> None:
    settings = roomy(api_config, job_lease_s=5)
    store_candles(settings, n_symbols=6, n_bars=3000)
    app = create_app(settings)
    async for api in serve(app):
        _, auth = await api.user()
        body = {"strategy": STRATEGY, "engine": "trading"}
        job = (await api.client.post("/api/v1/backtests", json=body, headers=auth)).json()
        path = f"/api/v1/backtests/{job['id']}"
        running = await wait_for(api, path, auth, {"running", "succeeded"})
        assert running["status"] == "running"
        token = auth
    # The server stopped mid-run: the job went back to the queue.
    async for api in serve(create_app(settings)):
        async with api.state.container.database.transaction() as session:
            row = await session.get(JobRow, job["id"])
            assert row is not None
            assert row.status in ("queued", "running")
        done = await wait_for(api, path, token, {"succeeded", "failed"}, limit_s=120)
        assert done["status"] == "succeeded", done
        assert done["metrics"]["trades"] >= 0


async def test_a_job_whose_worker_died_is_taken_over(tmp_path: Path) -> None:
    settings = roomy(_fast(tmp_path), job_workers=0)
    store_candles(settings)
    async for api in serve(create_app(settings)):
        user_id, auth = await api.user()
        now = api.state.container.clock.now()
        async with api.state.container.database.transaction() as session:
            params = {"strategy": STRATEGY, "exchange": settings.exchanges.default}
            orphan = await jobs_repo.create(
                session, user_id=user_id, kind="backtest", params=params, now=now
            )
            doomed = await jobs_repo.create(
                session, user_id=user_id, kind="backtest", params=params, now=now
            )
            await session.flush()
            dead = {"status": "running", "lease_owner": "dead-host:1:0", "started_at": now}
            expired = now - timedelta(seconds=1)
            await session.execute(
                update(JobRow)
                .where(JobRow.id == orphan.id)
                .values(**dead, attempts=1, lease_until=expired)
            )
            await session.execute(
                update(JobRow)
                .where(JobRow.id == doomed.id)
                .values(**dead, attempts=3, lease_until=expired)
            )
            ids = (orphan.id, doomed.id)
    live = roomy(settings, job_workers=1)
    async for api in serve(create_app(live)):
        taken = await wait_for(api, f"/api/v1/backtests/{ids[0]}", auth, {"succeeded", "failed"})
        assert taken["status"] == "succeeded"
        assert taken["attempts"] == 2
        given_up = (await api.client.get(f"/api/v1/backtests/{ids[1]}", headers=auth)).json()
        assert given_up["status"] == "failed"
        assert "stopped 3 times" in given_up["error"]


async def test_a_standalone_worker_runs_jobs_queued_through_the_api(tmp_path: Path) -> None:
    from simbiot.api.jobs import serve_jobs

    settings = roomy(_fast(tmp_path), job_workers=0)
    store_candles(settings)
    async for api in serve(create_app(settings)):
        _, auth = await api.user()
        job = (
            await api.client.post("/api/v1/backtests", json={"strategy": STRATEGY}, headers=auth)
        ).json()
        path = f"/api/v1/backtests/{job['id']}"
        await asyncio.sleep(0.5)
        assert (await api.client.get(path, headers=auth)).json()["status"] == "queued"
        stop = asyncio.Event()
        worker = asyncio.create_task(serve_jobs(settings, workers=1, stop=stop))
        try:
            done = await wait_for(api, path, auth, {"succeeded", "failed"})
        finally:
            stop.set()
            await worker
        assert done["status"] == "succeeded", done
