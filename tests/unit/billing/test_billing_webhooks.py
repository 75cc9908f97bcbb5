"""Webhook intake: verified against the raw body, applied once, refused without effect."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from billing_world import SECRET, World
from sqlalchemy import func, select

from simbiot.billing.credits import balance, buy_credits
from simbiot.billing.errors import InvalidWebhook
from simbiot.billing.provider import EVENT_SUCCEEDED, WebhookEvent
from simbiot.billing.sandbox import SandboxProvider
from simbiot.billing.signing import SIGNATURE_HEADER, signature_header
from simbiot.storage.tables import PaymentRow, WebhookEventRow


async def _credits_checkout(world: World, user_id: int, credits: int = 100) -> PaymentRow:
    async with world.database.transaction() as s:
        payment, _ = await buy_credits(
            s,
            user_id=user_id,
            credits=credits,
            settings=world.settings,
            provider=world.provider,
            now=world.now,
        )
    return payment


def _delivery(
    world: World, payment: PaymentRow, **overrides: object
) -> tuple[dict[str, str], bytes]:
    fields: dict[str, object] = {
        "event_id": "evt_1",
        "kind": EVENT_SUCCEEDED,
        "provider_ref": payment.provider_ref,
        "amount": payment.amount,
        "currency": payment.currency,
        "created_s": int(world.now.timestamp()),
    }
    fields.update(overrides)
    event = WebhookEvent(**fields)  # type: ignore[arg-type]
    d = world.provider.deliver(event, now_s=int(world.now.timestamp()))
    return d.headers, d.body


async def _state(world: World, user_id: int, payment_id: int) -> tuple[int, str, int]:
    async with world.database.transaction() as s:
        events = await s.scalar(select(func.count(WebhookEventRow.id)))
        payment = await s.get(PaymentRow, payment_id)
        assert payment is not None
        return await balance(s, user_id=user_id), payment.status, int(events or 0)


async def test_a_replayed_event_is_acknowledged_without_effect(world: World) -> None:
    uid = await world.user()
    payment = await _credits_checkout(world, uid)
    headers, body = _delivery(world, payment)
    first = await world.deliver(headers, body)
    again = await world.deliver(headers, body)
    assert (first.status, first.outcome) == ("processed", "succeeded")
    assert (again.status, again.outcome, again.event_id) == ("duplicate", None, "evt_1")
    assert await _state(world, uid, payment.id) == (100, "succeeded", 1)


async def test_a_second_event_for_a_settled_payment_changes_nothing(world: World) -> None:
    uid = await world.user()
    payment = await _credits_checkout(world, uid)
    await world.deliver(*_delivery(world, payment, event_id="evt_a"))
    receipt = await world.deliver(*_delivery(world, payment, event_id="evt_b"))
    assert (receipt.status, receipt.outcome) == ("processed", "not_pending")
    assert await _state(world, uid, payment.id) == (100, "succeeded", 2)


@pytest.mark.parametrize(
    "forge",
    [
        "wrong_secret",
        "tampered_body",
        "no_header",
        "garbage_header",
        "stale",
        "future",
    ],
)
async def test_a_bad_delivery_is_refused_before_anything_is_written(
    world: World, forge: str
) -> None:
    uid = await world.user()
    payment = await _credits_checkout(world, uid)
    headers, body = _delivery(world, payment)
    now_s = int(world.now.timestamp())
    tolerance = world.settings.webhook_tolerance_s
    if forge == "wrong_secret":
        headers[SIGNATURE_HEADER] = signature_header(b"not-the-secret", now_s, body)
    elif forge == "tampered_body":
        body = body.replace(b'"100', b'"900').replace(b"10.0", b"90.0")
        assert body != _delivery(world, payment)[1]
    elif forge == "no_header":
        del headers[SIGNATURE_HEADER]
    elif forge == "garbage_header":
        headers[SIGNATURE_HEADER] = "v1=abc,t=notanumber"
    elif forge == "stale":
        headers[SIGNATURE_HEADER] = signature_header(SECRET, now_s - tolerance - 1, body)
    else:
        headers[SIGNATURE_HEADER] = signature_header(SECRET, now_s + tolerance + 1, body)
    with pytest.raises(InvalidWebhook):
        await world.deliver(headers, body)
    assert await _state(world, uid, payment.id) == (0, "pending", 0)


async def test_a_signed_but_malformed_body_is_refused(world: World) -> None:
    uid = await world.user()
    payment = await _credits_checkout(world, uid)
    now_s = int(world.now.timestamp())
    for body in (b"not json", json.dumps({"id": "x", "type": "payment.refunded"}).encode()):
        headers = {SIGNATURE_HEADER: signature_header(SECRET, now_s, body)}
        with pytest.raises(InvalidWebhook, match="malformed"):
            await world.deliver(headers, body)
    assert await _state(world, uid, payment.id) == (0, "pending", 0)


async def test_an_amount_or_currency_that_differs_from_the_checkout_is_not_applied(
    world: World,
) -> None:
    uid = await world.user()
    payment = await _credits_checkout(world, uid)
    low = await world.deliver(*_delivery(world, payment, event_id="e1", amount=Decimal("0.01")))
    eur = await world.deliver(*_delivery(world, payment, event_id="e2", currency="EUR"))
    assert (low.outcome, eur.outcome) == ("mismatch", "mismatch")
    assert await _state(world, uid, payment.id) == (0, "pending", 2)
    # The genuine event still settles it afterwards.
    assert (await world.pay(payment)).outcome == "succeeded"


async def test_an_event_for_an_unknown_checkout_is_acknowledged_and_ignored(
    world: World,
) -> None:
    uid = await world.user()
    payment = await _credits_checkout(world, uid)
    receipt = await world.deliver(*_delivery(world, payment, provider_ref="sbx_nobody"))
    assert receipt.outcome == "unknown_payment"
    assert await _state(world, uid, payment.id) == (0, "pending", 1)


async def test_another_providers_reference_is_not_this_ones(world: World) -> None:
    uid = await world.user()
    payment = await _credits_checkout(world, uid)

    class Other(SandboxProvider):
        @property
        def name(self) -> str:
            return "other"

    world.provider = Other(secret=SECRET, tolerance_s=300, checkout_base="/x")
    receipt = await world.pay(payment)
    assert receipt.outcome == "unknown_payment"
    assert await _state(world, uid, payment.id) == (0, "pending", 1)


async def test_the_same_event_delivered_concurrently_is_applied_once(pg_world: World) -> None:
    world = pg_world
    uid = await world.user()
    payment = await _credits_checkout(world, uid)
    headers, body = _delivery(world, payment)
    receipts = await asyncio.gather(*(world.deliver(headers, body) for _ in range(4)))
    assert sorted(r.status for r in receipts) == ["duplicate"] * 3 + ["processed"]
    assert await _state(world, uid, payment.id) == (100, "succeeded", 1)
