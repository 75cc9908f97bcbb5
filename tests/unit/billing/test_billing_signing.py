"""Webhook signatures and the sandbox provider's events."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import SecretStr

from simbiot.billing.errors import InvalidWebhook
from simbiot.billing.events import parse_event
from simbiot.billing.provider import CheckoutRequest
from simbiot.billing.providers import build_provider, webhook_secret
from simbiot.billing.sandbox import SandboxProvider
from simbiot.billing.signing import SIGNATURE_HEADER, sign, signature_header, verify_signature
from simbiot.config import Settings
from simbiot.domain.errors import ConfigError

KEY = b"k" * 32
BODY = b'{"id":"evt_1"}'
NOW = 1_700_000_000


def test_a_good_signature_verifies_and_returns_its_timestamp() -> None:
    header = signature_header(KEY, NOW, BODY)
    assert verify_signature(KEY, header, BODY, now_s=NOW + 299, tolerance_s=300) == NOW
    assert verify_signature(KEY, header, BODY, now_s=NOW - 300, tolerance_s=300) == NOW


def test_the_signature_covers_timestamp_and_body() -> None:
    digest = sign(KEY, NOW, BODY)
    assert digest != sign(KEY, NOW + 1, BODY)
    assert digest != sign(KEY, NOW, BODY + b" ")
    assert digest != sign(b"x" * 32, NOW, BODY)
    # Re-dating a captured signature breaks it.
    redated = f"t={NOW + 10},v1={digest}"
    with pytest.raises(InvalidWebhook, match="does not match"):
        verify_signature(KEY, redated, BODY, now_s=NOW + 10, tolerance_s=300)


def test_one_matching_digest_among_several_is_enough() -> None:
    header = f"t={NOW},v1={sign(b'old' * 11, NOW, BODY)},v1={sign(KEY, NOW, BODY)}"
    assert verify_signature(KEY, header, BODY, now_s=NOW, tolerance_s=10) == NOW


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (None, "missing"),
        ("", "missing"),
        ("x" * 2000, "oversized"),
        ("t=1", "lacks"),
        (f"v1={'0' * 64}", "lacks"),
        ("t=abc,v1=00", "malformed"),
        ("t=-5,v1=00", "malformed"),
        ("t=1 2,v1=00", "malformed"),
        ("garbage", "malformed"),
        (f"t={NOW},v1={'0' * 64}", "does not match"),
    ],
)
def test_bad_headers_are_refused(header: str | None, why: str) -> None:
    with pytest.raises(InvalidWebhook, match=why):
        verify_signature(KEY, header, BODY, now_s=NOW, tolerance_s=300)


def test_a_signature_outside_the_tolerance_is_refused_even_when_good() -> None:
    for at in (NOW - 301, NOW + 301):
        header = signature_header(KEY, at, BODY)
        with pytest.raises(InvalidWebhook, match="tolerance"):
            verify_signature(KEY, header, BODY, now_s=NOW, tolerance_s=300)


async def test_sandbox_checkouts_get_fresh_references_and_pay_urls() -> None:
    provider = SandboxProvider(secret=KEY, tolerance_s=300, checkout_base="/co/")
    request = CheckoutRequest(1, "credits", Decimal("1.50"), "USD", "15 credits")
    a, b = await provider.create_checkout(request), await provider.create_checkout(request)
    assert a.provider_ref != b.provider_ref
    assert a.provider_ref.startswith("sbx_")
    assert a.url == f"/co/{a.provider_ref}/pay"


def test_sandbox_events_round_trip_through_verification() -> None:
    provider = SandboxProvider(secret=KEY, tolerance_s=300, checkout_base="/co")
    delivery = provider.settle(
        provider_ref="sbx_1", amount=Decimal("29.00"), currency="USD", paid=True, now_s=NOW
    )
    # Header names are matched without regard to case, as HTTP has them.
    lowered = {k.lower(): v for k, v in delivery.headers.items()}
    event = provider.verify_webhook(lowered, delivery.body, now_s=NOW)
    assert (event.kind, event.provider_ref, event.amount, event.currency) == (
        "payment.succeeded",
        "sbx_1",
        Decimal("29.00"),
        "USD",
    )
    assert json.loads(delivery.body)["data"]["amount"] == "29.00"  # exact, not a float
    failed = provider.settle(
        provider_ref="sbx_1", amount=Decimal(1), currency="USD", paid=False, now_s=NOW
    )
    assert provider.verify_webhook(failed.headers, failed.body, now_s=NOW).kind == "payment.failed"
    other = SandboxProvider(secret=b"z" * 32, tolerance_s=300, checkout_base="/co")
    with pytest.raises(InvalidWebhook):
        other.verify_webhook(delivery.headers, delivery.body, now_s=NOW)
    assert SIGNATURE_HEADER in delivery.headers


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"id":"e","type":"payment.succeeded","created":1}',
        b'{"id":"e","type":"payment.succeeded","created":1,"data":{"provider_ref":"r",'
        b'"amount":"NaN","currency":"USD"}}',
        b'{"id":"e","type":"payment.succeeded","created":1,"data":{"provider_ref":"r",'
        b'"amount":"-1","currency":"USD"}}',
        b'{"id":"e","type":"payment.succeeded","created":1,"extra":1,"data":{"provider_ref":"r",'
        b'"amount":"1","currency":"USD"}}',
    ],
)
def test_malformed_events_are_refused(body: bytes) -> None:
    with pytest.raises(InvalidWebhook, match="malformed"):
        parse_event(body)


def _settings(**sections: object) -> Settings:
    return Settings.model_validate(sections)


def test_a_configured_webhook_secret_is_used_as_is() -> None:
    s = _settings(billing={"webhook_secret": "whsec"}, security={"jwt_secret": "j" * 40})
    assert webhook_secret(s) == b"whsec"


def test_without_one_the_sandbox_derives_a_stable_secret_from_the_jwt_secret() -> None:
    a = _settings(security={"jwt_secret": "j" * 40})
    b = _settings(security={"jwt_secret": "k" * 40})
    assert webhook_secret(a) == webhook_secret(a)
    assert webhook_secret(a) != webhook_secret(b)
    assert webhook_secret(a) != b"j" * 40
    assert len(webhook_secret(a)) == 32
    assert build_provider(a).name == "sandbox"


def test_with_no_secret_at_all_building_the_provider_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="webhook_secret"):
        webhook_secret(_settings())
    s = _settings(billing={"webhook_secret": ""}, security={"jwt_secret": SecretStr("")})
    with pytest.raises(ConfigError):
        build_provider(s)
