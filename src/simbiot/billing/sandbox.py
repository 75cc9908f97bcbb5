"""The sandbox payment provider: no money moves, but every webhook is real.

A checkout is only a reference. When told that the customer paid (or failed to), the
sandbox builds the event a real provider would send, signs it with the webhook secret, and
hands it over as headers plus raw body: the API delivers that to the same webhook handler a
provider's POST reaches, so the signature check and the replay guard run every time.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from simbiot.billing.events import encode_event, parse_event
from simbiot.billing.provider import (
    EVENT_FAILED,
    EVENT_SUCCEEDED,
    Checkout,
    CheckoutRequest,
    WebhookEvent,
)
from simbiot.billing.signing import SIGNATURE_HEADER, signature_header, verify_signature

__all__ = ["SANDBOX", "SandboxProvider", "SignedDelivery"]

SANDBOX = "sandbox"


@dataclass(frozen=True, slots=True)
class SignedDelivery:
    """A webhook ready to post: its headers and its exact body."""

    headers: dict[str, str]
    body: bytes


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


class SandboxProvider:
    """Checkouts that settle when told to, with webhooks signed like a real provider's."""

    def __init__(self, *, secret: bytes, tolerance_s: int, checkout_base: str) -> None:
        self._secret = secret
        self._tolerance_s = tolerance_s
        self._checkout_base = checkout_base.rstrip("/")

    @property
    def name(self) -> str:
        return SANDBOX

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """A fresh unguessable reference; the URL is the sandbox's pay endpoint."""
        ref = "sbx_" + secrets.token_hex(16)
        return Checkout(provider_ref=ref, url=f"{self._checkout_base}/{ref}/pay")

    def settle(
        self, *, provider_ref: str, amount: Decimal, currency: str, paid: bool, now_s: int
    ) -> SignedDelivery:
        """The signed webhook telling that the checkout ``provider_ref`` was paid (or not)."""
        event = WebhookEvent(
            event_id="evt_" + secrets.token_hex(16),
            kind=EVENT_SUCCEEDED if paid else EVENT_FAILED,
            provider_ref=provider_ref,
            amount=amount,
            currency=currency,
            created_s=now_s,
        )
        return self.deliver(event, now_s=now_s)

    def deliver(self, event: WebhookEvent, *, now_s: int) -> SignedDelivery:
        """``event`` encoded and signed as sent at ``now_s``."""
        body = encode_event(event)
        headers = {
            SIGNATURE_HEADER: signature_header(self._secret, now_s, body),
            "Content-Type": "application/json",
        }
        return SignedDelivery(headers, body)

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, *, now_s: int
    ) -> WebhookEvent:
        """Refuse a bad or stale signature before reading the body, then parse it."""
        verify_signature(
            self._secret,
            _header(headers, SIGNATURE_HEADER),
            body,
            now_s=now_s,
            tolerance_s=self._tolerance_s,
        )
        return parse_event(body)
