"""Opening a checkout: ask the provider, then record the pending payment."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.billing.provider import Checkout, CheckoutRequest, PaymentProvider
from simbiot.storage.repositories import billing as repo
from simbiot.storage.tables import PaymentRow

__all__ = ["open_checkout"]


async def open_checkout(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    plan: str | None,
    credits: int,
    amount: Decimal,
    currency: str,
    description: str,
    provider: PaymentProvider,
    now: datetime,
) -> tuple[PaymentRow, Checkout]:
    """A pending payment of ``amount`` and the provider's checkout for it."""
    checkout = await provider.create_checkout(
        CheckoutRequest(
            user_id=user_id, kind=kind, amount=amount, currency=currency, description=description
        )
    )
    payment = await repo.add_payment(
        session,
        user_id=user_id,
        kind=kind,
        plan=plan,
        credits=credits,
        amount=amount,
        currency=currency,
        provider=provider.name,
        provider_ref=checkout.provider_ref,
        now=now,
    )
    return payment, checkout
