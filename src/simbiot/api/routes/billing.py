"""Plans, subscriptions, credits, payments, the ledger, provider webhooks, the sandbox's
pay endpoint, and the administrator's plan grant.

Checkouts only open a pending payment; nothing changes for the user until the provider's
signed webhook says it was paid. The sandbox's pay endpoint produces that webhook and hands
it to the very handler ``POST /billing/webhooks/{provider}`` runs.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.api.deps import Caller, CurrentUser, Db, Pagination, State, admin_user
from simbiot.api.errors import ApiError
from simbiot.api.schemas.billing import (
    BalanceOut,
    CheckoutOut,
    CreditsIn,
    CurrentPlanOut,
    EntitlementsOut,
    GrantIn,
    LedgerEntryOut,
    PaymentOut,
    PlanOut,
    PlansOut,
    SandboxPayOut,
    SubscribeIn,
    SubscriptionOut,
    WebhookAckOut,
)
from simbiot.api.schemas.common import ErrorOut, Page
from simbiot.api.state import ApiState
from simbiot.billing import credits, subscriptions
from simbiot.billing.entitlements import current_plan
from simbiot.billing.errors import InvalidWebhook, UnknownPlan
from simbiot.billing.grants import grant_plan
from simbiot.billing.provider import Checkout, PaymentProvider
from simbiot.billing.providers import build_provider
from simbiot.billing.sandbox import SandboxProvider
from simbiot.billing.webhooks import Receipt, ingest
from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.repositories import billing as repo
from simbiot.storage.tables import PaymentRow

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(tags=["billing"])

Admin = Annotated[Caller, Depends(admin_user)]

_CHECKOUT_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "Already subscribed to that plan"},
    422: {"model": ErrorOut, "description": "No such plan, or a free one"},
}
_WEBHOOK_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Signature missing, wrong or stale; body malformed"},
    404: {"model": ErrorOut, "description": "Not the configured provider"},
}


def payment_provider(state: State) -> PaymentProvider:
    """The configured payment provider."""
    return build_provider(state.settings)


Provider = Annotated[PaymentProvider, Depends(payment_provider)]


def _checkout_out(payment: PaymentRow, checkout: Checkout) -> CheckoutOut:
    return CheckoutOut(payment=PaymentOut.model_validate(payment), checkout_url=checkout.url)


def _unknown_plan(exc: UnknownPlan) -> ApiError:
    return ApiError(422, str(exc), code="unknown_plan")


@router.get("/billing/plans", response_model=PlansOut, summary="The plans on offer (public)")
async def plans(state: State) -> PlansOut:
    billing = state.settings.billing
    return PlansOut(
        currency=billing.currency,
        default_plan=billing.default_plan,
        credit_price=billing.credit_price,
        credits_per_extra_backtest=billing.credits_per_extra_backtest,
        plans=[
            PlanOut(
                name=name,
                price=plan.price,
                period_days=plan.period_days,
                is_default=name == billing.default_plan,
                entitlements=EntitlementsOut.model_validate(plan.entitlements),
            )
            for name, plan in billing.plans.items()
        ],
    )


@router.get(
    "/billing/subscription",
    response_model=CurrentPlanOut,
    summary="The caller's plan in force and live subscription",
)
async def current_subscription(caller: CurrentUser, db: Db, state: State) -> CurrentPlanOut:
    grant = await current_plan(
        db, user_id=caller.id, settings=state.settings.billing, now=state.container.clock.now()
    )
    live = await repo.live_subscription(db, user_id=caller.id)
    return CurrentPlanOut(
        plan=grant.plan,
        valid_until=grant.valid_until,
        entitlements=EntitlementsOut.model_validate(grant.entitlements),
        subscription=SubscriptionOut.model_validate(live) if live is not None else None,
    )


@router.post(
    "/billing/subscription",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckoutOut,
    summary="Open a checkout for a plan (takes effect when paid)",
    responses=_CHECKOUT_ERRORS,
)
async def subscribe(
    body: SubscribeIn, caller: CurrentUser, db: Db, state: State, provider: Provider
) -> CheckoutOut:
    try:
        payment, checkout = await subscriptions.subscribe(
            db,
            user_id=caller.id,
            plan=body.plan,
            settings=state.settings.billing,
            provider=provider,
            now=state.container.clock.now(),
        )
    except UnknownPlan as exc:
        raise _unknown_plan(exc) from None
    return _checkout_out(payment, checkout)


@router.post(
    "/billing/subscription/cancel",
    response_model=SubscriptionOut,
    summary="Stop renewing: the plan lasts to the period end (ends now while in grace)",
    responses={404: {"model": ErrorOut, "description": "No live subscription"}},
)
async def cancel_subscription(caller: CurrentUser, db: Db, state: State) -> SubscriptionOut:
    row = await subscriptions.cancel(
        db, user_id=caller.id, settings=state.settings.billing, now=state.container.clock.now()
    )
    return SubscriptionOut.model_validate(row)


@router.post(
    "/billing/credits",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckoutOut,
    summary="Open a checkout for a pack of credits (added when paid)",
)
async def buy_credits(
    body: CreditsIn, caller: CurrentUser, db: Db, state: State, provider: Provider
) -> CheckoutOut:
    payment, checkout = await credits.buy_credits(
        db,
        user_id=caller.id,
        credits=body.credits,
        settings=state.settings.billing,
        provider=provider,
        now=state.container.clock.now(),
    )
    return _checkout_out(payment, checkout)


@router.get("/billing/balance", response_model=BalanceOut, summary="The caller's credits")
async def balance(caller: CurrentUser, db: Db) -> BalanceOut:
    return BalanceOut(credits=await credits.balance(db, user_id=caller.id))


@router.get("/billing/payments", response_model=Page[PaymentOut], summary="The caller's payments")
async def list_payments(caller: CurrentUser, db: Db, page: Pagination) -> Page[PaymentOut]:
    rows = await repo.payments_page(db, user_id=caller.id, after_id=page.after, limit=page.limit)
    items = [PaymentOut.model_validate(r) for r in rows]
    return Page(items=items, next_cursor=items[-1].id if len(items) == page.limit else None)


@router.get(
    "/billing/payments/{payment_id}",
    response_model=PaymentOut,
    summary="One of the caller's payments",
    responses={404: {"model": ErrorOut, "description": "No such payment of the caller's"}},
)
async def get_payment(
    caller: CurrentUser, db: Db, payment_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> PaymentOut:
    row = await repo.get_payment(db, user_id=caller.id, payment_id=payment_id)
    return PaymentOut.model_validate(row)


@router.get("/billing/ledger", response_model=Page[LedgerEntryOut], summary="The caller's ledger")
async def list_ledger(caller: CurrentUser, db: Db, page: Pagination) -> Page[LedgerEntryOut]:
    rows = await repo.ledger_page(db, user_id=caller.id, after_id=page.after, limit=page.limit)
    items = [LedgerEntryOut.model_validate(r) for r in rows]
    return Page(items=items, next_cursor=items[-1].id if len(items) == page.limit else None)


async def _receive(
    db: AsyncSession,
    state: ApiState,
    provider: PaymentProvider,
    headers: dict[str, str],
    body: bytes,
) -> Receipt:
    """The one path every delivery takes, from a provider or from the sandbox."""
    try:
        return await ingest(
            db,
            provider=provider,
            headers=headers,
            body=body,
            settings=state.settings.billing,
            now=state.container.clock.now(),
        )
    except InvalidWebhook as exc:
        log.warning("refused a %s webhook: %s", provider.name, exc)
        raise ApiError(400, "invalid webhook", code="invalid_webhook") from None


@router.post(
    "/billing/webhooks/{provider_name}",
    response_model=WebhookAckOut,
    summary="Payment provider webhooks (signed; no user authentication)",
    responses=_WEBHOOK_ERRORS,
)
async def webhook(
    request: Request,
    db: Db,
    state: State,
    provider: Provider,
    provider_name: Annotated[str, Path(max_length=32)],
) -> WebhookAckOut:
    if provider_name != provider.name:
        raise NotFound("no such provider")
    body = await request.body()
    receipt = await _receive(db, state, provider, dict(request.headers), body)
    return WebhookAckOut(event_id=receipt.event_id, status=receipt.status)


@router.post(
    "/billing/sandbox/checkouts/{provider_ref}/pay",
    response_model=SandboxPayOut,
    summary="Sandbox only: the customer pays (or fails to pay) a checkout",
    responses={
        404: {"model": ErrorOut, "description": "Not the sandbox, or no such checkout"},
        409: {"model": ErrorOut, "description": "The checkout is no longer pending"},
    },
)
async def sandbox_pay(
    caller: CurrentUser,
    db: Db,
    state: State,
    provider: Provider,
    provider_ref: Annotated[str, Path(max_length=128)],
    outcome: Annotated[
        Literal["succeed", "fail"], Query(description="Whether the simulated payment succeeds")
    ] = "succeed",
) -> SandboxPayOut:
    if not isinstance(provider, SandboxProvider):
        raise NotFound("the sandbox is not the configured provider")
    payment = await repo.find_payment_by_ref(
        db, provider=provider.name, provider_ref=provider_ref, user_id=caller.id
    )
    if payment is None:
        raise NotFound("no such checkout")
    if payment.status != "pending":
        raise Conflict(f"the checkout is {payment.status}")
    delivery = provider.settle(
        provider_ref=provider_ref,
        amount=payment.amount,
        currency=payment.currency,
        paid=outcome == "succeed",
        now_s=int(state.container.clock.now().timestamp()),
    )
    receipt = await _receive(db, state, provider, delivery.headers, delivery.body)
    await db.refresh(payment)
    return SandboxPayOut(event_id=receipt.event_id, payment=PaymentOut.model_validate(payment))


@router.post(
    "/admin/users/{user_id}/grant",
    response_model=SubscriptionOut,
    tags=["admin"],
    summary="Administrators: give a user a plan for some days, without payment",
    responses={
        403: {"model": ErrorOut, "description": "Not an administrator"},
        404: {"model": ErrorOut, "description": "No such user"},
        422: {"model": ErrorOut, "description": "No such plan, or the free default"},
    },
)
async def grant(
    body: GrantIn,
    admin: Admin,
    db: Db,
    state: State,
    user_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> SubscriptionOut:
    try:
        row = await grant_plan(
            db,
            user_id=user_id,
            plan=body.plan,
            days=body.days,
            settings=state.settings.billing,
            now=state.container.clock.now(),
            granted_by=admin.id,
        )
    except UnknownPlan as exc:
        raise _unknown_plan(exc) from None
    return SubscriptionOut.model_validate(row)
