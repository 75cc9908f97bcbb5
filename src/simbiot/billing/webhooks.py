"""Receiving a provider's webhook: verify it against the raw body, apply it once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.billing.payments import Outcome, settle
from simbiot.billing.provider import PaymentProvider
from simbiot.config.sections import BillingSettings
from simbiot.domain.errors import Conflict
from simbiot.storage.repositories import billing as repo

__all__ = ["Receipt", "ingest"]


@dataclass(frozen=True, slots=True)
class Receipt:
    """What became of a delivery: processed now, or a replay of one already processed."""

    event_id: str
    status: Literal["processed", "duplicate"]
    outcome: Outcome | None


async def ingest(
    session: AsyncSession,
    *,
    provider: PaymentProvider,
    headers: Mapping[str, str],
    body: bytes,
    settings: BillingSettings,
    now: datetime,
) -> Receipt:
    """Verify the delivery (``InvalidWebhook`` before anything is written), record its
    event id, and settle the payment it names; a replayed event id changes nothing."""
    event = provider.verify_webhook(headers, body, now_s=int(now.timestamp()))
    try:
        await repo.record_webhook(
            session,
            provider=provider.name,
            event_id=event.event_id,
            kind=event.kind,
            payload=json.loads(body),
            now=now,
        )
    except Conflict:
        return Receipt(event.event_id, "duplicate", None)
    outcome = await settle(session, provider=provider.name, event=event, settings=settings, now=now)
    return Receipt(event.event_id, "processed", outcome)
