"""Billing routes' rules over HTTP: isolation, validation, pagination, the administrator's
grant, and the plan_limit answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.api.app import create_app
from simbiot.billing.usage import consume_backtest

B = "/api/v1/billing"
JSON = {"Content-Type": "application/json"}


async def test_another_users_checkout_and_payment_are_not_found(api: ApiHarness) -> None:
    _, alice = await api.user()
    _, bob = await api.user()
    r = await api.client.post(f"{B}/credits", json={"credits": 10}, headers=alice)
    checkout = r.json()
    payment_id = checkout["payment"]["id"]
    stolen = await api.client.post(checkout["checkout_url"], headers=bob)
    assert stolen.status_code == 404
    assert stolen.json()["error"]["code"] == "not_found"
    mine = await api.client.get(f"{B}/payments/{payment_id}", headers=alice)
    theirs = await api.client.get(f"{B}/payments/{payment_id}", headers=bob)
    missing = await api.client.get(f"{B}/payments/{payment_id + 1000}", headers=bob)
    assert mine.status_code == 200
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert (await api.client.get(f"{B}/payments", headers=bob)).json()["items"] == []
    # Alice's checkout is untouched by Bob's attempt.
    assert (await api.client.get(f"{B}/payments/{payment_id}", headers=alice)).json()[
        "status"
    ] == "pending"


async def test_billing_routes_need_a_user_but_plans_and_webhooks_do_not(
    api_sqlite: ApiHarness,
) -> None:
    api = api_sqlite
    for method, path in [
        ("GET", "subscription"),
        ("POST", "subscription"),
        ("POST", "subscription/cancel"),
        ("POST", "credits"),
        ("GET", "payments"),
        ("GET", "ledger"),
        ("GET", "balance"),
        ("POST", "sandbox/checkouts/sbx_x/pay"),
    ]:
        r = await api.client.request(method, f"{B}/{path}", json={}, headers=JSON)
        assert r.status_code == 401, path
    assert (await api.client.get(f"{B}/plans")).status_code == 200
    hook = await api.client.post(f"{B}/webhooks/sandbox", content=b"{}", headers=JSON)
    assert hook.status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("credits", {"credits": 0}),
        ("credits", {"credits": -5}),
        ("credits", {"credits": 1.5}),
        ("credits", {"credits": 10**12}),
        ("credits", {"credits": "NaN"}),
        ("credits", {"credits": 10, "price": "0.01"}),
        ("subscription", {"plan": ""}),
        ("subscription", {"plan": "x" * 65}),
        ("subscription", {"plan": "pro", "amount": 0}),
    ],
)
async def test_bad_checkout_requests_are_refused_and_open_nothing(
    api_sqlite: ApiHarness, path: str, body: dict[str, object]
) -> None:
    api = api_sqlite
    _, headers = await api.user()
    r = await api.client.post(f"{B}/{path}", json=body, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
    assert (await api.client.get(f"{B}/payments", headers=headers)).json()["items"] == []


async def test_infinite_and_huge_numbers_are_refused(api_sqlite: ApiHarness) -> None:
    api = api_sqlite
    _, headers = await api.user()
    for raw in (b'{"credits": 1e309}', b'{"credits": Infinity}', b'{"credits": NaN}'):
        r = await api.client.post(f"{B}/credits", content=raw, headers={**headers, **JSON})
        assert 400 <= r.status_code < 500
    assert (await api.client.get(f"{B}/payments", headers=headers)).json()["items"] == []


@pytest.mark.parametrize("plan", ["free", "platinum"])
async def test_free_and_unknown_plans_cannot_be_bought(api_sqlite: ApiHarness, plan: str) -> None:
    _, headers = await api_sqlite.user()
    r = await api_sqlite.client.post(f"{B}/subscription", json={"plan": plan}, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unknown_plan"


async def test_cancel_without_a_subscription_is_not_found(api_sqlite: ApiHarness) -> None:
    _, headers = await api_sqlite.user()
    r = await api_sqlite.client.post(f"{B}/subscription/cancel", headers=headers)
    assert r.status_code == 404


async def test_payments_and_ledger_are_paged(api_sqlite: ApiHarness) -> None:
    api = api_sqlite
    _, headers = await api.user()
    for n in (10, 20, 30):
        checkout = (
            await api.client.post(f"{B}/credits", json={"credits": n}, headers=headers)
        ).json()
        assert (await api.client.post(checkout["checkout_url"], headers=headers)).status_code == 200
    seen: list[int] = []
    after = None
    for _ in range(5):
        params = {"limit": 2} | ({"after": after} if after is not None else {})
        page = (await api.client.get(f"{B}/ledger", params=params, headers=headers)).json()
        seen += [e["credits"] for e in page["items"]]
        after = page["next_cursor"]
        if after is None:
            break
    assert seen == [10, 20, 30]
    assert (await api.client.get(f"{B}/balance", headers=headers)).json() == {"credits": 60}
    first = (await api.client.get(f"{B}/payments", params={"limit": 2}, headers=headers)).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"] == first["items"][-1]["id"]
    too_big = await api.client.get(f"{B}/payments", params={"limit": 10**6}, headers=headers)
    assert too_big.status_code == 422


async def test_administrators_grant_plans(api: ApiHarness) -> None:
    uid, user = await api.user()
    _, admin = await api.user(role="admin")
    url = f"/api/v1/admin/users/{uid}/grant"
    refused = await api.client.post(url, json={"plan": "pro", "days": 7}, headers=user)
    assert refused.status_code == 403
    assert (await api.client.get(f"{B}/subscription", headers=user)).json()["plan"] == "free"

    r = await api.client.post(url, json={"plan": "enterprise", "days": 7}, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["plan"], r.json()["auto_renew"]) == ("enterprise", False)
    now = (await api.client.get(f"{B}/subscription", headers=user)).json()
    assert now["plan"] == "enterprise"

    nobody = await api.client.post(
        f"/api/v1/admin/users/{uid + 10_000}/grant", json={"plan": "pro", "days": 1}, headers=admin
    )
    assert nobody.status_code == 404
    for body in ({"plan": "free", "days": 1}, {"plan": "pro", "days": 0}, {"plan": "pro"}):
        bad = await api.client.post(url, json=body, headers=admin)
        assert bad.status_code == 422


async def test_a_plan_limit_answers_403_plan_limit(tmp_path: Path) -> None:
    settings = api_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/pl.db")
    app = create_app(settings)
    users: dict[str, int] = {}

    @app.post("/test-backtest/{reference}")
    async def run_backtest(reference: str) -> dict[str, str]:
        state = app.state.api
        async with state.container.database.transaction() as session:
            usage = await consume_backtest(
                session,
                users["caller"],
                state.settings.billing,
                state.container.clock.now(),
                reference,
            )
        return {"source": usage.source}

    async for api in serve(app):
        users["caller"], _ = await api.user()
        allowance = settings.billing.plans["free"].entitlements.backtests_per_day
        for i in range(allowance):
            ok = await api.client.post(f"/test-backtest/r{i}")
            assert ok.json() == {"source": "plan"}
        r = await api.client.post("/test-backtest/over")
        assert r.status_code == 403
        error = r.json()["error"]
        assert error["code"] == "plan_limit"
        assert error["details"] == {"limit": "backtests_per_day"}
        assert "credits" in error["message"]
