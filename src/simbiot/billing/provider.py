"""The payment-provider port: open a checkout, and turn a provider's webhook into an event.

A provider never changes our records itself: a checkout only gives a reference and a URL,
and what the customer did reaches us as a signed webhook that ``billing.webhooks`` checks
and applies once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

__all__ = [
    "EVENT_FAILED",
    "EVENT_SUCCEEDED",
    "Checkout",
    "CheckoutRequest",
    "EventKind",
    "PaymentProvider",
    "WebhookEvent",
]

EventKind = Literal["payment.succeeded", "payment.failed"]
EVENT_SUCCEEDED: EventKind = "payment.succeeded"
EVENT_FAILED: EventKind = "payment.failed"


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """What the customer is asked to pay."""

    user_id: int
    kind: str
    amount: Decimal
    currency: str
    description: str


@dataclass(frozen=True, slots=True)
class Checkout:
    """The provider's reference for a checkout and where the customer pays it."""

    provider_ref: str
    url: str


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified provider event about one checkout."""

    event_id: str
    kind: EventKind
    provider_ref: str
    amount: Decimal
    currency: str
    created_s: int

    @property
    def succeeded(self) -> bool:
        return self.kind == EVENT_SUCCEEDED


class PaymentProvider(Protocol):
    """A payment provider (the sandbox, or a real one behind the same port)."""

    @property
    def name(self) -> str:
        """The name webhooks are posted under (``/billing/webhooks/{name}``)."""
        ...

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """Open a checkout for ``request``."""
        ...

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, *, now_s: int
    ) -> WebhookEvent:
        """Check a delivery's signature against the raw ``body`` and parse it; raise
        ``InvalidWebhook`` when it must be refused."""
        ...
