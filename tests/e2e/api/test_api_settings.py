"""Per-user settings over HTTP: validated by the engine's models, versioned, isolated."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.api.app import create_app
from simbiot.config.sections import RiskSettings

URL = "/api/v1/settings"


async def _read(api: ApiHarness, headers: dict[str, str]) -> dict[str, Any]:
    r = await api.client.get(URL, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == f'"{r.json()["version"]}"'
    body: dict[str, Any] = r.json()
    return body


def _if_match(version: int, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


async def test_fresh_settings_are_the_deployment_defaults(api: ApiHarness) -> None:
    _, headers = await api.user()
    body = await _read(api, headers)
    assert body["version"] == 0
    assert body["settings"] == {}
    eff = body["effective"]
    assert eff["strategy"] is None
    assert eff["risk"]["stop_atr"] == RiskSettings().stop_atr
    assert "fee_rate" not in eff["risk"]  # not the user's to tune
    assert eff["symbols"] == {"allow": [], "deny": []}
    assert eff["notifications"]["trades"] is True
    assert eff["problems"] == []


async def test_put_then_patch_round_trip(api: ApiHarness) -> None:
    _, headers = await api.user()
    doc = {
        "strategy": {"name": "trend_ema_adx", "params": {"fast": 8}},
        "risk": {"stop_atr": 3.5, "regime_scale": {"bull": 0.5}, "partial_levels": [[2, 0.3]]},
        "signals": {"losing_streak": 5},
        "symbols": {"allow": ["BTC/USDT", "ETH/USDT"], "deny": ["DOGE/USDT"]},
        "notifications": {"telegram_chat_id": "123456", "daily_summary": True},
    }
    r = await api.client.put(URL, json=doc, headers=_if_match(0, headers))
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"1"'
    body = r.json()
    assert body["version"] == 1
    eff = body["effective"]
    assert eff["strategy"] == {
        "name": "trend_ema_adx",
        "params": {"fast": 8, "slow": 26, "adx_len": 14, "adx_min": 20.0},
    }
    assert eff["risk"]["stop_atr"] == 3.5
    # Per-regime multipliers are merged with the defaults, not replaced.
    assert eff["risk"]["regime_scale"]["bull"] == 0.5
    assert eff["risk"]["regime_scale"]["crash"] == RiskSettings().regime_scale["crash"]
    assert eff["risk"]["partial_levels"] == [[2.0, 0.3]]
    assert eff["signals"]["losing_streak"] == 5
    assert eff["symbols"] == {"allow": ["BTC/USDT", "ETH/USDT"], "deny": ["DOGE/USDT"]}
    assert eff["notifications"]["daily_summary"] is True

    patch = {"risk": {"stop_atr": None, "trail_atr": 4}, "strategy": {"name": "mean_reversion"}}
    r = await api.client.patch(URL, json=patch, headers=_if_match(1, headers))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 2
    assert body["settings"]["risk"] == {
        "trail_atr": 4.0,
        "regime_scale": {"bull": 0.5},
        "partial_levels": [[2.0, 0.3]],
    }
    # The strategy is replaced whole: the old strategy's parameters do not linger.
    assert body["settings"]["strategy"] == {"name": "mean_reversion", "params": {}}
    assert body["effective"]["risk"]["stop_atr"] == RiskSettings().stop_atr
    assert body["settings"]["symbols"] == doc["symbols"]
    assert (await _read(api, headers))["version"] == 2


async def test_writes_need_the_current_version(api: ApiHarness) -> None:
    _, headers = await api.user()
    doc = {"risk": {"stop_atr": 3}}
    missing = await api.client.put(URL, json=doc, headers=headers)
    assert missing.status_code == 428
    assert missing.json()["error"]["code"] == "precondition_required"
    assert (await api.client.put(URL, json=doc, headers=_if_match(0, headers))).status_code == 200
    stale = await api.client.patch(
        URL, json={"risk": {"stop_atr": 4}}, headers=_if_match(0, headers)
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    body = await _read(api, headers)
    assert body["version"] == 1
    assert body["settings"] == {"risk": {"stop_atr": 3.0}}
    anyv = await api.client.patch(
        URL, json={"risk": {"stop_atr": 5}}, headers={**headers, "If-Match": "*"}
    )
    assert anyv.status_code == 200
    assert anyv.json()["version"] == 2


async def test_concurrent_writers_one_wins_the_other_gets_412(api: ApiHarness) -> None:
    _, headers = await api.user()
    results = await asyncio.gather(
        *(
            api.client.put(URL, json={"risk": {"stop_atr": v}}, headers=_if_match(0, headers))
            for v in (2.5, 3.5, 4.5)
        )
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 412, 412]
    winner = next(r for r in results if r.status_code == 200).json()
    assert (await _read(api, headers))["settings"] == winner["settings"]


BAD_BODIES = [
    ('{"risk": {"stop_atr": NaN}}', "NaN"),
    ('{"risk": {"stop_atr": Infinity}}', "Infinity"),
    ('{"risk": {"risk_per_trade": -Infinity}}', "-Infinity"),
    ('{"risk": {"stop_atr": 1e309}}', "1e309"),
    ('{"risk": {"stop_atr": -1}}', "negative"),
    ('{"risk": {"max_open_positions": -3}}', "negative int"),
    ('{"risk": {"max_hold_s": 1000000000000000000000000000000}}', "huge int"),
    ('{"risk": {"regime_scale": {"bull": NaN}}}', "NaN in a map"),
    ('{"risk": {"regime_scale": {"bull": -0.5}}}', "negative multiplier"),
    ('{"risk": {"partial_levels": [[1.5, 1e309]]}}', "1e309 in a list"),
    ('{"risk": {"partial_levels": [[2, 0.5], [1, 0.2]]}}', "unordered partials"),
    ('{"risk": {"risk_per_trade": 0.9}}', "above the engine bound"),
    ('{"signals": {"scorer_threshold": NaN}}', "NaN threshold"),
    ('{"signals": {"losing_streak": 0}}', "zero streak"),
    ('{"strategy": {"name": "trend_ema_adx", "params": {"fast": NaN}}}', "NaN param"),
    ('{"strategy": {"name": "trend_ema_adx", "params": {"fast": 1e309}}}', "1e309 param"),
    ('{"strategy": {"name": "trend_ema_adx", "params": {"fast": -5}}}', "negative param"),
    ('{"strategy": {"name": "trend_ema_adx", "params": {"fast": 40, "slow": 20}}}', "fast>slow"),
    ('{"strategy": {"name": "no_such_strategy"}}', "unknown strategy"),
    ('{"symbols": {"allow": ["BTC/USDT"], "deny": ["BTC/USDT"]}}', "allowed and denied"),
    ('{"symbols": {"allow": ["btc usdt"]}}', "bad symbol"),
    ('{"notifications": {"telegram_chat_id": "not a chat"}}', "bad chat id"),
]
UNKNOWN_FIELDS = [
    '{"database_url": "postgresql://evil"}',
    '{"risk": {"fee_rate": 0}}',
    '{"signals": {"rules_dir": "/etc"}}',
    '{"signals": {"indicator_cache_mb": 65536}}',
    '{"strategy": {"name": "trend_ema_adx", "params": {}, "owner": 1}}',
    '{"strategy": {"name": "trend_ema_adx", "params": {"no_such_param": 1}}}',
    '{"notifications": {"email": "a@b.c"}}',
]


@pytest.mark.parametrize(("raw", "why"), BAD_BODIES, ids=[w for _, w in BAD_BODIES])
async def test_bad_numbers_and_values_change_nothing(
    api_sqlite: ApiHarness, raw: str, why: str
) -> None:
    api = api_sqlite
    _, headers = await api.user()
    first = {"risk": {"stop_atr": 2.5}, "strategy": {"name": "mean_reversion"}}
    assert (await api.client.put(URL, json=first, headers=_if_match(0, headers))).status_code == 200
    before = await _read(api, headers)
    send = {**_if_match(1, headers), "Content-Type": "application/json"}
    for method in ("PUT", "PATCH"):
        r = await api.client.request(method, URL, content=raw, headers=send)
        assert r.status_code == 422, (why, method, r.text)
        assert r.json()["error"]["code"] in {"invalid_request", "invalid_json"}
    assert await _read(api, headers) == before


@pytest.mark.parametrize("raw", UNKNOWN_FIELDS)
async def test_unknown_fields_are_refused(api_sqlite: ApiHarness, raw: str) -> None:
    api = api_sqlite
    _, headers = await api.user()
    send = {**_if_match(0, headers), "Content-Type": "application/json"}
    for method in ("PUT", "PATCH"):
        r = await api.client.request(method, URL, content=raw, headers=send)
        assert r.status_code == 422, (method, r.text)
    assert (await _read(api, headers))["version"] == 0


async def test_bad_numbers_on_postgres_too(api: ApiHarness) -> None:
    _, headers = await api.user()
    send = {**_if_match(0, headers), "Content-Type": "application/json"}
    for raw, _why in BAD_BODIES[:4]:
        r = await api.client.put(URL, content=raw, headers=send)
        assert r.status_code == 422, r.text
    assert (await _read(api, headers))["version"] == 0


async def test_the_schema_describes_the_document(api_sqlite: ApiHarness) -> None:
    _, headers = await api_sqlite.user()
    r = await api_sqlite.client.get(URL + "/schema", headers=headers)
    assert r.status_code == 200
    schema = r.json()
    assert set(schema["properties"]) == {"strategy", "risk", "signals", "symbols", "notifications"}
    assert schema["additionalProperties"] is False
    risk = schema["$defs"]["RiskOverridesIn"]
    assert risk["additionalProperties"] is False
    assert "fee_rate" not in risk["properties"]
    stop = risk["properties"]["stop_atr"]
    assert stop["description"]
    assert {"exclusiveMinimum": 0, "maximum": 50, "type": "number"} in stop["anyOf"]


async def test_settings_need_a_caller(api_sqlite: ApiHarness) -> None:
    for method in ("GET", "PUT", "PATCH"):
        r = await api_sqlite.client.request(method, URL, json={})
        assert r.status_code == 401
    assert (await api_sqlite.client.get(URL + "/schema")).status_code == 401


async def test_each_user_sees_only_their_own_settings(api_sqlite: ApiHarness) -> None:
    api = api_sqlite
    _, alice = await api.user()
    _, bob = await api.user()
    put = await api.client.put(URL, json={"risk": {"stop_atr": 7}}, headers=_if_match(0, alice))
    assert put.status_code == 200
    assert (await _read(api, bob))["settings"] == {}
    assert (await _read(api, alice))["settings"] == {"risk": {"stop_atr": 7.0}}


async def test_a_strategy_outside_the_plan_is_refused(tmp_path: Path) -> None:
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/plan.db",
        billing={"plans": {"free": {"entitlements": {"strategies": ["mean_reversion"]}}}},
    )
    async for api in serve(create_app(settings)):
        _, headers = await api.user()
        doc = {"strategy": {"name": "trend_ema_adx"}}
        r = await api.client.put(URL, json=doc, headers=_if_match(0, headers))
        assert r.status_code == 403
        assert "free" in r.json()["error"]["message"]
        assert (await _read(api, headers))["version"] == 0
        ok = {"strategy": {"name": "mean_reversion", "params": {"rsi_len": 10}}}
        assert (
            await api.client.put(URL, json=ok, headers=_if_match(0, headers))
        ).status_code == 200


async def test_a_stored_part_the_engine_no_longer_accepts_falls_back(
    api_sqlite: ApiHarness,
) -> None:
    api = api_sqlite
    user_id, headers = await api.user()
    from simbiot.storage.repositories import settings as repo

    async with api.state.container.database.transaction() as session:
        stale = {"strategy": {"name": "retired_strategy", "params": {}}, "risk": {"stop_atr": 3}}
        await repo.put(session, user_id=user_id, doc=stale, expected_version=0)
    body = await _read(api, headers)
    assert body["effective"]["strategy"] is None
    assert body["effective"]["risk"]["stop_atr"] == 3
    assert any("retired_strategy" in p for p in body["effective"]["problems"])
    assert json.dumps(body)  # the answer stays plain JSON
