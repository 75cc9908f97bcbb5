"""Credits: bought as one-off payments, spent per reference, never below zero."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.billing import ledger
from simbiot.billing.checkout import open_checkout
from simbiot.billing.errors import InsufficientCredits
from simbiot.billing.provider import Checkout, PaymentProvider
from simbiot.config.sections import BillingSettings
from simbiot.storage.repositories import billing as repo
from simbiot.storage.tables import PaymentRow

__all__ = ["balance", "buy_credits", "spend_credits"]


async def balance(session: AsyncSession, *, user_id: int) -> int:
    """The user's credits now."""
    return await repo.credit_balance(session, user_id=user_id)


async def buy_credits(
    session: AsyncSession,
    *,
    user_id: int,
    credits: int,
    settings: BillingSettings,
    provider: PaymentProvider,
    now: datetime,
) -> tuple[PaymentRow, Checkout]:
    """Open a checkout for ``credits`` at ``credit_price`` each; they are added to the
    balance when the provider's webhook says the payment succeeded."""
    if credits < 1:
        raise ValueError("credits must be positive")
    amount = settings.credit_price * credits
    return await open_checkout(
        session,
        user_id=user_id,
        kind="credits",
        plan=None,
        credits=credits,
        amount=amount,
        currency=settings.currency,
        description=f"{credits} credits",
        provider=provider,
        now=now,
    )


async def spend_credits(
    session: AsyncSession,
    *,
    user_id: int,
    credits: int,
    reference: str,
    currency: str,
    now: datetime,
) -> ledger.Entry:
    """Take ``credits`` from the balance once per ``reference`` (a repeat returns the first
    entry and takes nothing); ``InsufficientCredits`` when the balance is too small."""
    if credits < 0:
        raise ValueError("credits to spend must not be negative")
    await repo.lock_user(session, user_id=user_id)
    existing = await repo.find_ledger_entry(session, user_id=user_id, reference=reference)
    if existing is not None:
        return ledger.Entry(existing, False)
    have = await repo.credit_balance(session, user_id=user_id)
    if have < credits:
        raise InsufficientCredits(f"{credits} credits needed, {have} available")
    return await ledger.append_once(
        session,
        user_id=user_id,
        kind=ledger.CREDITS_SPEND,
        reference=reference,
        currency=currency,
        credits=-credits,
        now=now,
    )
