"""The strategy catalogue over HTTP: every registry strategy with its parameter ranges."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.api.app import create_app

URL = "/api/v1/strategies"


async def test_the_catalogue_lists_the_registry_with_ranges(api: ApiHarness) -> None:
    _, headers = await api.user()
    r = await api.client.get(URL, headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["plan"] == "free"
    registry = api.state.container.strategies
    assert [s["name"] for s in body["items"]] == [s.name for s in registry]
    by_name = {s["name"]: s for s in body["items"]}
    trend = by_name["trend_ema_adx"]
    assert trend["description"]
    assert trend["allowed"] is True
    assert trend["parameters"]["fast"] == {
        "kind": "int",
        "default": 12,
        "low": 3.0,
        "high": 50.0,
        "step": 1.0,
        "choices": None,
        "doc": "fast EMA period (bars)",
    }
    for item in body["items"]:
        spec = registry.get(item["name"]).parameters()
        assert set(item["parameters"]) == set(spec)


async def test_one_strategy_and_an_unknown_one(api_sqlite: ApiHarness) -> None:
    _, headers = await api_sqlite.user()
    r = await api_sqlite.client.get(f"{URL}/mean_reversion", headers=headers)
    assert r.status_code == 200
    assert r.json()["parameters"]["rsi_len"]["default"] == 14
    missing = await api_sqlite.client.get(f"{URL}/no_such_strategy", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    long = await api_sqlite.client.get(f"{URL}/{'x' * 500}", headers=headers)
    assert long.status_code == 422


async def test_the_catalogue_needs_a_caller(api_sqlite: ApiHarness) -> None:
    assert (await api_sqlite.client.get(URL)).status_code == 401
    assert (await api_sqlite.client.get(f"{URL}/mean_reversion")).status_code == 401


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_the_catalogue_is_read_only(api_sqlite: ApiHarness, method: str) -> None:
    _, headers = await api_sqlite.user()
    r = await api_sqlite.client.request(method, f"{URL}/mean_reversion", json={}, headers=headers)
    assert r.status_code == 405


async def test_allowed_follows_the_callers_plan(tmp_path: Path) -> None:
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/s.db",
        billing={"plans": {"free": {"entitlements": {"strategies": ["mean_reversion"]}}}},
    )
    async for api in serve(create_app(settings)):
        _, headers = await api.user()
        items = (await api.client.get(URL, headers=headers)).json()["items"]
        allowed = {s["name"] for s in items if s["allowed"]}
        assert allowed == {"mean_reversion"}
        one = await api.client.get(f"{URL}/trend_ema_adx", headers=headers)
        assert one.json()["allowed"] is False
