"""Market views over HTTP: served from the analysis' cache, recomputed once for everyone
when missing, cut or refused by the caller's plan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.analysis.xray.synthetic import random_market
from simbiot.api.app import create_app
from simbiot.cache.keys import CacheKeys
from simbiot.learning.builders import dataset_spec
from simbiot.learning.datasets import build_dataset
from simbiot.learning.registry import ModelRegistry
from simbiot.learning.training import TrainingInput, TrainingSpec, train_model
from simbiot.services import market_feed
from simbiot.services.session import open_container
from simbiot.services.xray_cycle import XRayCycleResult, run_xray_cycle

PLANS: dict[str, Any] = {
    "free": {"entitlements": {"xray_top": 5, "strategies": ["mean_reversion", "trend_ema_adx"]}},
    "pro": {"price": 10, "entitlements": {"xray_top": 50, "ml_features": True}},
}


@pytest.fixture
async def market_api(tmp_path: Path) -> AsyncIterator[ApiHarness]:
    """The API over the embedded simulator's container (candles synced by one X-ray), on
    a real-time venue clock: access tokens age on it."""
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db",
        simulator={"symbols": 30, "speed": 1},
        run={"users": []},
        billing={"plans": PLANS},
    )
    async with open_container(settings) as c:
        async for api in serve(create_app(c.settings, container=c)):
            yield api


async def _forget_analysis(api: ApiHarness) -> None:
    c = api.state.container
    venue, tf = c.venue(None), c.settings.data.timeframe
    await c.cache.delete(CacheKeys.xray_snapshot(venue, tf), CacheKeys.xray_refresh(venue, tf))


async def test_views_come_from_the_published_analysis(market_api: ApiHarness) -> None:
    api = market_api
    result = await run_xray_cycle(api.state.container)
    _, h = await api.user()
    state = await api.client.get("/api/v1/market/state", headers=h)
    assert state.status_code == 200, state.text
    body = state.json()
    assert body["generated_at_ms"] == result.snapshot.generated_at_ms
    assert body["market_state"]["regime"] == result.snapshot.market_state.regime.value
    assert body["scanned"] == result.snapshot.scanned

    xray = (await api.client.get("/api/v1/xray", params={"top": 50}, headers=h)).json()
    assert xray["plan_top"] == 5
    assert xray["top"] == len(xray["symbols"]) == min(5, result.snapshot.filtered)
    assert [s["symbol"] for s in xray["symbols"]] == [
        r.symbol for r in result.snapshot.symbols[: xray["top"]]
    ]
    few = (await api.client.get("/api/v1/xray", params={"top": 2}, headers=h)).json()
    assert few["top"] == 2
    assert (await api.client.get("/api/v1/xray", params={"top": 0}, headers=h)).status_code == 422


async def test_missing_analysis_is_recomputed_once_for_everyone(
    market_api: ApiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = market_api
    await run_xray_cycle(api.state.container)  # candles synced, snapshot cached
    await _forget_analysis(api)
    runs: list[XRayCycleResult] = []
    real = run_xray_cycle

    async def counted(*args: Any, **kwargs: Any) -> XRayCycleResult:
        out = await real(*args, **kwargs)
        runs.append(out)
        return out

    monkeypatch.setattr(market_feed, "run_xray_cycle", counted)
    users = [await api.user() for _ in range(6)]
    answers = await asyncio.gather(
        *(api.client.get("/api/v1/market/state", headers=h) for _, h in users)
    )
    assert [a.status_code for a in answers] == [200] * 6
    assert len(runs) == 1
    assert {a.json()["generated_at_ms"] for a in answers} == {runs[0].snapshot.generated_at_ms}
    # The default configurations' signals were published by the same run.
    _, h = users[0]
    sig = (
        await api.client.get("/api/v1/signals", params={"strategy": "mean_reversion"}, headers=h)
    ).json()
    assert len(runs) == 1
    assert [b["strategy"] for b in sig["items"]] == ["mean_reversion"]


async def test_signals_follow_the_plan(market_api: ApiHarness) -> None:
    api = market_api
    await run_xray_cycle(api.state.container)
    await _forget_analysis(api)  # the defaults' signals are published on demand
    _, h = await api.user()
    everything = (await api.client.get("/api/v1/signals", headers=h)).json()
    assert sorted(b["strategy"] for b in everything["items"]) == ["mean_reversion", "trend_ema_adx"]
    for batch in everything["items"]:
        assert all(
            s["side"] in ("entry_long", "exit_long", "entry_short", "exit_short")
            for s in batch["signals"]
        )
    refused = await api.client.get(
        "/api/v1/signals", params={"strategy": "donchian_breakout"}, headers=h
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "plan_limit"
    unknown = await api.client.get("/api/v1/signals", params={"strategy": "nope"}, headers=h)
    assert unknown.status_code == 422


async def test_predictions_need_ml_features(market_api: ApiHarness) -> None:
    api = market_api
    _, h = await api.user()
    r = await api.client.get("/api/v1/predictions", headers=h)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "plan_limit"


async def test_empty_store_gives_an_empty_market_and_a_pending_refresh_503(
    tmp_path: Path,
) -> None:
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db",
        exchanges={"venues": {"mexc": {"base_url": "http://127.0.0.1:9"}}},
    )
    async for api in serve(create_app(settings)):
        _, h = await api.user()
        # No candle stored: the on-demand analysis finds an empty market.
        r = await api.client.get("/api/v1/market/state", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["scanned"] == 0
        assert (await api.client.get("/api/v1/xray", headers=h)).json()["symbols"] == []
        # The snapshot gone while another replica holds the refresh claim: 503, no wait.
        await _forget_analysis(api)
        c = api.state.container
        await c.cache.incr(CacheKeys.xray_refresh(c.venue(None), c.settings.data.timeframe), 1, 60)
        r = await api.client.get("/api/v1/market/state", headers=h)
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "unavailable"
        assert (await api.client.get("/api/v1/xray", headers=h)).status_code == 503
        assert (await api.client.get("/api/v1/market/state")).status_code == 401


async def test_predictions_of_the_champion_per_symbol(tmp_path: Path) -> None:
    learning = {"horizon": 6, "vol_window": 24, "reference_symbol": None}
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db",
        simulator={"symbols": 30, "speed": 1},
        run={"users": []},
        learning=learning,
        billing={"plans": {"free": {"entitlements": {"ml_features": True}}}},
    )
    train = random_market(8, 700, seed=11)
    data = build_dataset(train, dataset_spec(settings.learning))
    model = train_model(
        TrainingInput(data.names, data.x, data.y_class, data.t, data.horizon),
        TrainingSpec(n_estimators=20, folds=2, min_child_samples=20),
    )
    async with open_container(settings) as c:
        async for api in serve(create_app(c.settings, container=c)):
            await run_xray_cycle(c)  # candles synced by the analysis
            _, h = await api.user()
            none_yet = await api.client.get("/api/v1/predictions", headers=h)
            assert none_yet.status_code == 200
            assert none_yet.json() == {"models": {}}
            registry = ModelRegistry(
                c.settings.path(c.settings.learning.models_dir), c.database.sessions
            )
            await registry.register("trend", model, data_hash="x", status="champion")
            await _forget_analysis(api)  # the next reader recomputes, with the champion
            r = await api.client.get(
                "/api/v1/predictions", params={"symbols": "btc/usdt,ETH/USDT"}, headers=h
            )
            assert r.status_code == 200, r.text
            trend = r.json()["models"]["trend"]
            assert trend["version"] == 1
            assert set(trend["values"]) == {"BTC/USDT", "ETH/USDT"}
            assert all(v is None or 0.0 <= v <= 1.0 for v in trend["values"].values())
            everything = (await api.client.get("/api/v1/predictions", headers=h)).json()
            assert len(everything["models"]["trend"]["values"]) > 2
            too_many = ",".join(f"S{i}/USDT" for i in range(201))
            bad = await api.client.get(
                "/api/v1/predictions", params={"symbols": too_many}, headers=h
            )
            assert bad.status_code == 422
