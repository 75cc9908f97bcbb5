"""Billing over HTTP on both backends: subscribe, pay in the sandbox, signed webhooks that
count once, forged ones that change nothing, and expiry stopping the bots a plan lost."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from api_harness import ApiHarness

from simbiot.billing.providers import build_provider
from simbiot.billing.sandbox import SandboxProvider
from simbiot.billing.signing import SIGNATURE_HEADER, signature_header
from simbiot.billing.sweeper import sweep
from simbiot.storage.repositories import audit, bots, strategies

B = "/api/v1/billing"


def _sandbox(api: ApiHarness) -> SandboxProvider:
    provider = build_provider(api.state.settings)
    assert isinstance(provider, SandboxProvider)
    return provider


def _now_s(api: ApiHarness) -> int:
    return int(api.state.container.clock.now().timestamp())


async def _checkout(
    api: ApiHarness, headers: dict[str, str], path: str, body: dict[str, Any]
) -> dict[str, Any]:
    r = await api.client.post(f"{B}/{path}", json=body, headers=headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _tampered(body: bytes) -> bytes:
    """The same event with a smaller amount, still valid JSON."""
    doc = json.loads(body)
    doc["data"]["amount"] = "0.01"
    out = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    assert out != body
    return out


async def _snapshot(api: ApiHarness, headers: dict[str, str]) -> tuple[Any, ...]:
    """Everything a webhook could change, as the user sees it."""
    sub = (await api.client.get(f"{B}/subscription", headers=headers)).json()
    payments = (await api.client.get(f"{B}/payments", headers=headers)).json()["items"]
    ledger = (await api.client.get(f"{B}/ledger", headers=headers)).json()["items"]
    balance = (await api.client.get(f"{B}/balance", headers=headers)).json()["credits"]
    return sub["plan"], [p["status"] for p in payments], len(ledger), balance


async def test_plans_are_public_with_exact_prices(api: ApiHarness) -> None:
    r = await api.client.get(f"{B}/plans")
    assert r.status_code == 200
    doc = r.json()
    plans = {p["name"]: p for p in doc["plans"]}
    assert doc["default_plan"] == "free"
    assert plans["free"]["is_default"] is True
    assert plans["pro"]["price"] == "29.00"
    assert plans["free"]["price"] == "0.00"
    assert plans["pro"]["entitlements"]["max_bots"] == 10
    assert doc["credit_price"] == "0.10"


async def test_subscribe_pay_in_the_sandbox_and_pro_is_in_effect(api: ApiHarness) -> None:
    _, headers = await api.user()
    before = (await api.client.get(f"{B}/subscription", headers=headers)).json()
    assert (before["plan"], before["subscription"]) == ("free", None)

    checkout = await _checkout(api, headers, "subscription", {"plan": "pro"})
    assert checkout["payment"]["status"] == "pending"
    assert checkout["payment"]["amount"] == "29.00"
    # Nothing changes until the provider says the payment went through.
    assert (await api.client.get(f"{B}/subscription", headers=headers)).json()["plan"] == "free"

    paid = await api.client.post(checkout["checkout_url"], headers=headers)
    assert paid.status_code == 200, paid.text
    assert paid.json()["payment"]["status"] == "succeeded"

    now = (await api.client.get(f"{B}/subscription", headers=headers)).json()
    assert now["plan"] == "pro"
    assert now["entitlements"]["max_bots"] == 10
    assert now["subscription"]["status"] == "active"
    assert now["subscription"]["auto_renew"] is True
    ledger = (await api.client.get(f"{B}/ledger", headers=headers)).json()["items"]
    assert [(e["kind"], e["amount"]) for e in ledger] == [("subscription.payment", "29.00")]
    # Paying the same checkout again is refused.
    again = await api.client.post(checkout["checkout_url"], headers=headers)
    assert again.status_code == 409

    # Subscribing again to the plan in force is a conflict; cancelling keeps it to the end.
    dup = await api.client.post(f"{B}/subscription", json={"plan": "pro"}, headers=headers)
    assert dup.status_code == 409
    cancelled = await api.client.post(f"{B}/subscription/cancel", headers=headers)
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["auto_renew"]) == ("active", False)
    assert (await api.client.get(f"{B}/subscription", headers=headers)).json()["plan"] == "pro"


async def test_a_failed_sandbox_payment_changes_no_plan(api: ApiHarness) -> None:
    _, headers = await api.user()
    checkout = await _checkout(api, headers, "subscription", {"plan": "enterprise"})
    r = await api.client.post(checkout["checkout_url"] + "?outcome=fail", headers=headers)
    assert r.status_code == 200
    assert r.json()["payment"]["status"] == "failed"
    assert await _snapshot(api, headers) == ("free", ["failed"], 0, 0)


async def test_a_replayed_webhook_credits_once(api: ApiHarness) -> None:
    _, headers = await api.user()
    checkout = await _checkout(api, headers, "credits", {"credits": 150})
    payment = checkout["payment"]
    assert payment["amount"] == "15.00"
    delivery = _sandbox(api).settle(
        provider_ref=payment["provider_ref"],
        amount=Decimal(payment["amount"]),
        currency=payment["currency"],
        paid=True,
        now_s=_now_s(api),
    )
    first = await api.client.post(
        f"{B}/webhooks/sandbox", content=delivery.body, headers=delivery.headers
    )
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "processed"
    for _ in range(2):
        again = await api.client.post(
            f"{B}/webhooks/sandbox", content=delivery.body, headers=delivery.headers
        )
        assert again.status_code == 200
        assert again.json() == {"event_id": first.json()["event_id"], "status": "duplicate"}
    assert await _snapshot(api, headers) == ("free", ["succeeded"], 1, 150)


async def test_forged_webhooks_are_refused_with_one_body_and_change_nothing(
    api: ApiHarness,
) -> None:
    _, headers = await api.user()
    checkout = await _checkout(api, headers, "credits", {"credits": 100})
    payment = checkout["payment"]
    genuine = _sandbox(api).settle(
        provider_ref=payment["provider_ref"],
        amount=Decimal(payment["amount"]),
        currency=payment["currency"],
        paid=True,
        now_s=_now_s(api),
    )
    body = genuine.body
    now_s = _now_s(api)
    stale_s = now_s - api.state.settings.billing.webhook_tolerance_s - 5
    stale = _sandbox(api).settle(
        provider_ref=payment["provider_ref"],
        amount=Decimal(payment["amount"]),
        currency=payment["currency"],
        paid=True,
        now_s=stale_s,
    )
    forgeries: list[tuple[dict[str, str], bytes]] = [
        ({SIGNATURE_HEADER: signature_header(b"guessed", now_s, body)}, body),
        (genuine.headers, _tampered(body)),
        ({}, body),
        ({SIGNATURE_HEADER: "t=1,v1=zz"}, body),
        (stale.headers, stale.body),
    ]
    bodies = set()
    for forged_headers, forged_body in forgeries:
        r = await api.client.post(
            f"{B}/webhooks/sandbox",
            content=forged_body,
            headers={**forged_headers, "Content-Type": "application/json"},
        )
        assert r.status_code == 400
        bodies.add(r.text)
    assert bodies == {'{"error":{"code":"invalid_webhook","message":"invalid webhook"}}'}
    assert await _snapshot(api, headers) == ("free", ["pending"], 0, 0)
    # The genuine delivery still goes through afterwards.
    ok = await api.client.post(f"{B}/webhooks/sandbox", content=body, headers=genuine.headers)
    assert ok.status_code == 200
    assert await _snapshot(api, headers) == ("free", ["succeeded"], 1, 100)


async def test_webhooks_for_another_provider_name_are_not_found(api: ApiHarness) -> None:
    r = await api.client.post(
        f"{B}/webhooks/stripe", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


async def test_expiry_stops_the_bots_beyond_the_free_plan(api: ApiHarness) -> None:
    uid, headers = await api.user()
    checkout = await _checkout(api, headers, "subscription", {"plan": "pro"})
    assert (await api.client.post(checkout["checkout_url"], headers=headers)).status_code == 200
    db = api.state.container.database
    async with db.transaction() as s:
        strat = await strategies.create(
            s, user_id=uid, name="trend", kind="trend", definition={"x": 1}
        )
        bot_ids = []
        for i in range(3):
            bot = await bots.create(s, user_id=uid, strategy_id=strat.id, name=f"b{i}", params={})
            await bots.set_status(s, user_id=uid, bot_id=bot.id, status="running")
            bot_ids.append(bot.id)

    billing = api.state.settings.billing
    provider = _sandbox(api)
    start = api.state.container.clock.now()
    renewal = await sweep(
        db, settings=billing, provider=provider, now=start + timedelta(days=30, minutes=1)
    )
    assert len(renewal.renewing) == 1
    sub = (await api.client.get(f"{B}/subscription", headers=headers)).json()
    assert (sub["plan"], sub["subscription"]["status"]) == ("pro", "grace")
    payments = (await api.client.get(f"{B}/payments", headers=headers)).json()["items"]
    assert [p["status"] for p in payments] == ["succeeded", "pending"]

    expiry = await sweep(
        db,
        settings=billing,
        provider=provider,
        now=start + timedelta(days=30 + billing.grace_days, minutes=2),
    )
    assert sorted(expiry.stopped_bots) == bot_ids[1:]
    assert (await api.client.get(f"{B}/subscription", headers=headers)).json()["plan"] == "free"
    async with db.transaction() as s:
        statuses = {b.id: b.status for b in await bots.list_for_user(s, user_id=uid)}
        entries = await audit.list_for_user(s, user_id=uid)
    assert statuses == {bot_ids[0]: "running", bot_ids[1]: "stopped", bot_ids[2]: "stopped"}
    assert {e.subject for e in entries if e.action == "bot.stopped"} == {
        f"bot:{b}" for b in bot_ids[1:]
    }
    payments = (await api.client.get(f"{B}/payments", headers=headers)).json()["items"]
    assert [p["status"] for p in payments] == ["succeeded", "failed"]


async def test_a_renewal_paid_in_grace_continues_the_plan(api: ApiHarness) -> None:
    _, headers = await api.user()
    checkout = await _checkout(api, headers, "subscription", {"plan": "pro"})
    assert (await api.client.post(checkout["checkout_url"], headers=headers)).status_code == 200
    first = (await api.client.get(f"{B}/subscription", headers=headers)).json()["subscription"]
    start = api.state.container.clock.now()
    await sweep(
        api.state.container.database,
        settings=api.state.settings.billing,
        provider=_sandbox(api),
        now=start + timedelta(days=30, minutes=1),
    )
    # In grace the same plan can be bought again: that checkout pays the renewal.
    renewal = await _checkout(api, headers, "subscription", {"plan": "pro"})
    assert (await api.client.post(renewal["checkout_url"], headers=headers)).status_code == 200
    sub = (await api.client.get(f"{B}/subscription", headers=headers)).json()["subscription"]
    assert sub["id"] == first["id"]
    assert sub["status"] == "active"
    assert sub["grace_until"] is None
    ends = [datetime.fromisoformat(x["period_end"]) for x in (first, sub)]
    assert ends[1] - ends[0] == timedelta(days=30)
    payments = (await api.client.get(f"{B}/payments", headers=headers)).json()["items"]
    # The sweep's renewal checkout was superseded by the one the user paid.
    assert [p["status"] for p in payments] == ["succeeded", "failed", "succeeded"]
