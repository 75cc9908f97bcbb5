"""The wire form of a payment event: what a webhook body holds, parsed strictly."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simbiot.billing.errors import InvalidWebhook
from simbiot.billing.provider import WebhookEvent

__all__ = ["encode_event", "parse_event"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    provider_ref: str = Field(min_length=1, max_length=128)
    amount: Decimal = Field(ge=0, allow_inf_nan=False)
    currency: str = Field(min_length=3, max_length=3)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    type: Literal["payment.succeeded", "payment.failed"]
    created: int = Field(ge=0)
    data: _Data


def encode_event(event: WebhookEvent) -> bytes:
    """The JSON body a provider delivers for ``event`` (amounts as exact strings)."""
    doc = {
        "id": event.event_id,
        "type": event.kind,
        "created": event.created_s,
        "data": {
            "provider_ref": event.provider_ref,
            "amount": str(event.amount),
            "currency": event.currency,
        },
    }
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def parse_event(body: bytes) -> WebhookEvent:
    """The event in a verified ``body``; ``InvalidWebhook`` when it is not one."""
    try:
        parsed = _Body.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidWebhook(f"malformed event: {exc.error_count()} errors") from exc
    return WebhookEvent(
        event_id=parsed.id,
        kind=parsed.type,
        provider_ref=parsed.data.provider_ref,
        amount=parsed.data.amount,
        currency=parsed.data.currency,
        created_s=parsed.created,
    )
