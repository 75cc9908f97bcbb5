"""Bots over HTTP: create, list, read, start, stop, delete; plan limits; bad input; isolation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.api.app import create_app
from simbiot.security.secrets import ExchangeCredentials
from simbiot.storage.repositories import accounts

BOTS = "/api/v1/bots"
PAPER: dict[str, Any] = {"name": "dip", "strategy": "mean_reversion", "capital": 2500}


async def _bots(api: ApiHarness, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = await api.client.get(BOTS, headers=headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def _key(api: ApiHarness, user_id: int, exchange: str = "mexc") -> int:
    """An exchange key of ``user_id`` stored directly (the keys routes are not under test)."""
    c = api.state.container
    async with c.database.transaction() as session:
        row = await accounts.add(
            session,
            c.cipher(),
            user_id=user_id,
            exchange=exchange,
            label="main",
            credentials=ExchangeCredentials("k" * 16, "s" * 32),
        )
        return row.id


async def test_paper_bot_lifecycle(api: ApiHarness) -> None:
    _, h = await api.user()
    r = await api.client.post(
        BOTS, json={**PAPER, "params": {"rsi_entry": 35.0, "bb_len": 30}}, headers=h
    )
    assert r.status_code == 201, r.text
    bot = r.json()
    assert bot["status"] == "stopped"
    assert bot["mode"] == "paper"
    assert bot["strategy"] == "mean_reversion"
    assert bot["params"]["rsi_entry"] == 35.0
    assert bot["params"]["bb_len"] == 30
    assert bot["params"]["rsi_exit"] == 55.0  # the strategy's default filled in
    assert bot["capital"] == "2500"
    assert bot["account_id"] is None

    assert [b["id"] for b in await _bots(api, h)] == [bot["id"]]
    detail = (await api.client.get(f"{BOTS}/{bot['id']}", headers=h)).json()
    assert detail["equity"] is None
    assert detail["open_positions"] == 0

    started = await api.client.post(f"{BOTS}/{bot['id']}/start", headers=h)
    assert started.status_code == 200
    assert started.json()["status"] == "running"
    assert started.json()["started_at"] is not None
    again = await api.client.post(f"{BOTS}/{bot['id']}/start", headers=h)
    assert again.json()["status"] == "running"

    refused = await api.client.delete(f"{BOTS}/{bot['id']}", headers=h)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"

    stopped = await api.client.post(f"{BOTS}/{bot['id']}/stop", headers=h)
    assert stopped.json()["status"] == "stopped"
    assert (await api.client.delete(f"{BOTS}/{bot['id']}", headers=h)).status_code == 204
    assert (await api.client.get(f"{BOTS}/{bot['id']}", headers=h)).status_code == 404
    assert await _bots(api, h) == []


async def test_empty_histories_and_pnl(api_sqlite: ApiHarness) -> None:
    _, h = await api_sqlite.user()
    bot = (await api_sqlite.client.post(BOTS, json=PAPER, headers=h)).json()
    for part in ("orders", "fills", "positions", "equity"):
        r = await api_sqlite.client.get(f"{BOTS}/{bot['id']}/{part}", headers=h)
        assert r.status_code == 200, (part, r.text)
        assert r.json() == {"items": [], "next_cursor": None}
    pnl = (await api_sqlite.client.get(f"{BOTS}/{bot['id']}/pnl", headers=h)).json()
    assert pnl["trades"] == 0
    assert pnl["metrics"] is None
    assert pnl["realised"] == "0"
    assert pnl["fees"] == "0"


async def test_other_users_bots_are_not_found_and_untouched(api: ApiHarness) -> None:
    _, owner = await api.user()
    _, other = await api.user()
    bot = (await api.client.post(BOTS, json=PAPER, headers=owner)).json()
    url = f"{BOTS}/{bot['id']}"
    gets = ["", "/orders", "/fills", "/positions", "/equity", "/pnl"]
    for suffix in gets:
        r = await api.client.get(url + suffix, headers=other)
        assert r.status_code == 404, suffix
        assert r.json()["error"]["code"] == "not_found"
    for action in ("/start", "/stop"):
        assert (await api.client.post(url + action, headers=other)).status_code == 404
    assert (await api.client.delete(url, headers=other)).status_code == 404
    assert await _bots(api, other) == []
    mine = await _bots(api, owner)
    assert [(b["id"], b["status"]) for b in mine] == [(bot["id"], "stopped")]


async def test_unauthenticated_requests_get_401(api_sqlite: ApiHarness) -> None:
    assert (await api_sqlite.client.get(BOTS)).status_code == 401
    assert (await api_sqlite.client.post(BOTS, json=PAPER)).status_code == 401


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "x", "strategy": "mean_reversion", "capital": NaN}',
        '{"name": "x", "strategy": "mean_reversion", "capital": Infinity}',
        '{"name": "x", "strategy": "mean_reversion", "capital": -5}',
        '{"name": "x", "strategy": "mean_reversion", "capital": 0}',
        '{"name": "x", "strategy": "mean_reversion", "capital": 1e309}',
        '{"name": "x", "strategy": "mean_reversion", "capital": 1e13}',
        '{"name": "x", "strategy": "mean_reversion", "params": {"rsi_entry": NaN}}',
        '{"name": "x", "strategy": "mean_reversion", "params": {"rsi_entry": 1e309}}',
        '{"name": "x", "strategy": "mean_reversion", "params": {"rsi_entry": -Infinity}}',
        '{"name": "x", "strategy": "mean_reversion", "params": {"rsi_entry": 500}}',
        '{"name": "x", "strategy": "mean_reversion", "params": {"no_such": 1}}',
        '{"name": "x", "strategy": "no_such_strategy"}',
        '{"name": "x", "strategy": "mean_reversion", "max_slots": 0}',
        '{"name": "x", "strategy": "mean_reversion", "mode": "margin"}',
        '{"name": "x", "strategy": "mean_reversion", "account_id": 1}',
        '{"name": "x", "strategy": "mean_reversion", "mode": "live"}',
        '{"name": "", "strategy": "mean_reversion"}',
        '{"name": "x", "strategy": "mean_reversion", "extra": true}',
        '{"name": "x", "strategy": "mean_reversion", "capital": "lots"}',
    ],
)
async def test_bad_bodies_are_refused_and_create_nothing(api_sqlite: ApiHarness, raw: str) -> None:
    _, h = await api_sqlite.user()
    r = await api_sqlite.client.post(
        BOTS, content=raw, headers={**h, "Content-Type": "application/json"}
    )
    assert 400 <= r.status_code < 500, r.text
    assert "error" in r.json()
    assert await _bots(api_sqlite, h) == []


async def test_pagination_walks_every_bot_once(tmp_path: Path) -> None:
    plans = {"free": {"entitlements": {"max_bots": 7}}}
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db",
        billing={"plans": plans},
    )
    async for api in serve(create_app(settings)):
        _, h = await api.user()
        made = [
            (await api.client.post(BOTS, json={**PAPER, "name": f"b{i}"}, headers=h)).json()["id"]
            for i in range(7)
        ]
        seen: list[int] = []
        after: int | None = None
        while True:
            params: dict[str, int] = {"limit": 3}
            if after is not None:
                params["after"] = after
            page = (await api.client.get(BOTS, params=params, headers=h)).json()
            seen += [b["id"] for b in page["items"]]
            after = page["next_cursor"]
            if after is None:
                break
        assert seen == made
        too_big = await api.client.get(BOTS, params={"limit": 10_000}, headers=h)
        assert too_big.status_code == 422


async def test_plan_limits_answer_403_plan_limit(tmp_path: Path) -> None:
    plans = {
        "free": {
            "entitlements": {
                "max_bots": 2,
                "strategies": ["mean_reversion", "trend_ema_adx"],
                "live_trading": False,
            }
        }
    }
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db",
        billing={"plans": plans},
    )
    async for api in serve(create_app(settings)):
        uid, h = await api.user()
        other_id, _ = await api.user()

        # A strategy outside the plan.
        r = await api.client.post(BOTS, json={**PAPER, "strategy": "donchian_breakout"}, headers=h)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "plan_limit"
        assert "donchian_breakout" in r.json()["error"]["message"]

        # Live trading outside the plan (with the user's own key).
        key = await _key(api, uid)
        live = {"name": "live", "strategy": "mean_reversion", "mode": "live", "account_id": key}
        r = await api.client.post(BOTS, json=live, headers=h)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "plan_limit"

        # Another user's key is not found, whatever the plan.
        foreign = await _key(api, other_id)
        r = await api.client.post(BOTS, json={**live, "account_id": foreign}, headers=h)
        assert r.status_code == 404

        # The number of bots.
        for i in range(2):
            ok = await api.client.post(BOTS, json={**PAPER, "name": f"b{i}"}, headers=h)
            assert ok.status_code == 201
        r = await api.client.post(BOTS, json={**PAPER, "name": "b3"}, headers=h)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "plan_limit"
        assert len(await _bots(api, h)) == 2


async def test_live_bot_on_a_plan_with_live_trading(tmp_path: Path) -> None:
    plans = {"free": {"entitlements": {"max_bots": 1, "live_trading": True}}}
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db",
        billing={"plans": plans},
    )
    async for api in serve(create_app(settings)):
        uid, h = await api.user()
        key = await _key(api, uid)
        live = {"name": "live", "strategy": "trend_ema_adx", "mode": "live", "account_id": key}
        r = await api.client.post(BOTS, json=live, headers=h)
        assert r.status_code == 201, r.text
        assert r.json()["account_id"] == key
        assert r.json()["capital"] is None
        # A key on a venue this installation does not trade is refused.
        other_venue = await _key(api, uid, exchange="kraken")
        r = await api.client.post(BOTS, json={**live, "account_id": other_venue}, headers=h)
        assert r.status_code in (403, 422)


async def test_start_checks_the_plan_in_force(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path}/api.db"
    roomy = api_settings(
        tmp_path, database_url=db, billing={"plans": {"free": {"entitlements": {"max_bots": 2}}}}
    )
    async for api in serve(create_app(roomy)):
        uid, h = await api.user()
        a = (await api.client.post(BOTS, json={**PAPER, "name": "a"}, headers=h)).json()
        b = (await api.client.post(BOTS, json={**PAPER, "name": "b"}, headers=h)).json()
    # The plan in force shrinks (one running bot at most): the second start is refused.
    tight = api_settings(
        tmp_path, database_url=db, billing={"plans": {"free": {"entitlements": {"max_bots": 1}}}}
    )
    async for api in serve(create_app(tight)):
        h = {"Authorization": f"Bearer {api.state.tokens.issue(uid, 'user')}"}
        assert (await api.client.post(f"{BOTS}/{a['id']}/start", headers=h)).status_code == 200
        r = await api.client.post(f"{BOTS}/{b['id']}/start", headers=h)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "plan_limit"
        statuses = {x["id"]: x["status"] for x in await _bots(api, h)}
        assert statuses == {a["id"]: "running", b["id"]: "stopped"}


async def test_odd_ids_and_times_are_4xx_or_answered(api: ApiHarness) -> None:
    _, h = await api.user()
    bot = (await api.client.post(BOTS, json=PAPER, headers=h)).json()
    for bad in ("0", "-1", str(2**63), "99999999999999999999", "abc"):
        r = await api.client.get(f"{BOTS}/{bad}", headers=h)
        assert r.status_code == 422, bad
    assert (await api.client.get(f"{BOTS}/{2**63 - 1}", headers=h)).status_code == 404
    for since in ("2026-01-01T00:00:00", "2026-01-01T00:00:00+02:00"):
        r = await api.client.get(f"{BOTS}/{bot['id']}/equity", params={"since": since}, headers=h)
        assert r.status_code == 200, r.text
    r = await api.client.get(f"{BOTS}/{bot['id']}/positions", params={"status": "odd"}, headers=h)
    assert r.status_code == 422
