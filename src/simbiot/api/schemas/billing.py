"""Request and response bodies of ``/billing`` and the administrator's plan grant.

Money is ``Decimal`` throughout and travels as a JSON string (``"29.00"``), never a float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, PlainSerializer

from simbiot.api.schemas.common import RequestModel, ResponseModel

__all__ = [
    "BalanceOut",
    "CheckoutOut",
    "CreditsIn",
    "CurrentPlanOut",
    "EntitlementsOut",
    "GrantIn",
    "LedgerEntryOut",
    "PaymentOut",
    "PlanOut",
    "PlansOut",
    "SandboxPayOut",
    "SubscribeIn",
    "SubscriptionOut",
    "WebhookAckOut",
    "money_text",
]

PlanName = str
_CENTS = Decimal("0.01")


def money_text(value: Decimal) -> str:
    """``value`` as plain digits with at least two decimals and no trailing zeros beyond
    them (``29`` → ``"29.00"``, ``0.001`` → ``"0.001"``), the same on every database."""
    if value == value.quantize(_CENTS):
        return format(value.quantize(_CENTS), "f")
    return format(value.normalize(), "f")


Money = Annotated[Decimal, PlainSerializer(money_text, return_type=str, when_used="json")]


class EntitlementsOut(ResponseModel):
    """What a plan allows."""

    max_bots: int = Field(description="Bots that may run at once")
    live_trading: bool = Field(description="Whether live (real-money) bots are allowed")
    max_symbols: int = Field(description="Symbols one bot may hold at once")
    strategies: list[str] = Field(description='Strategies the plan may use ("*" = all)')
    ml_features: bool = Field(description="Model predictions and the ML entry filter")
    backtests_per_day: int = Field(description="Backtests and optimisations per UTC day")
    api_rate_per_minute: int = Field(description="Authenticated API requests per minute")
    xray_top: int = Field(description="Symbols shown in the X-ray ranking")


class PlanOut(ResponseModel):
    """A plan on offer."""

    name: str
    price: Money = Field(description="Price of one period, in the billing currency")
    period_days: int = Field(description="Length of one period in days")
    is_default: bool = Field(description="The plan of users without a subscription")
    entitlements: EntitlementsOut


class PlansOut(ResponseModel):
    """Every plan, and the prices of credits."""

    currency: str
    default_plan: str
    credit_price: Money = Field(description="Price of one credit")
    credits_per_extra_backtest: int = Field(
        description="Credits a backtest beyond the plan's daily allowance costs"
    )
    plans: list[PlanOut]


class SubscriptionOut(ResponseModel):
    """A subscription and where it stands."""

    id: int
    plan: str
    status: Literal["active", "grace", "expired", "cancelled"]
    period_start: datetime
    period_end: datetime
    grace_until: datetime | None = Field(
        description="While in grace (renewal unpaid), when the plan stops"
    )
    auto_renew: bool = Field(description="False once cancelled: the plan ends at period_end")


class CurrentPlanOut(ResponseModel):
    """The plan in force for the caller now."""

    plan: str
    valid_until: datetime | None = Field(description="None on the default plan")
    entitlements: EntitlementsOut
    subscription: SubscriptionOut | None = Field(description="The live subscription, if any")


class SubscribeIn(RequestModel):
    """The plan to subscribe (or switch) to."""

    plan: PlanName = Field(min_length=1, max_length=64, description="A plan from /billing/plans")


class CreditsIn(RequestModel):
    """A pack of credits to buy."""

    credits: int = Field(ge=1, le=1_000_000, description="How many credits to buy")


class PaymentOut(ResponseModel):
    """A payment asked of the provider."""

    id: int
    kind: Literal["subscription", "credits"]
    plan: str | None
    credits: int
    amount: Money
    currency: str
    status: Literal["pending", "succeeded", "failed", "refunded"]
    provider: str
    provider_ref: str
    created_at: datetime
    settled_at: datetime | None


class CheckoutOut(ResponseModel):
    """A checkout opened with the provider: pay it at ``checkout_url``."""

    payment: PaymentOut
    checkout_url: str


class LedgerEntryOut(ResponseModel):
    """One ledger entry."""

    id: int
    kind: str
    amount: Money
    currency: str
    credits: int = Field(description="Credits added (positive) or spent (negative)")
    reference: str
    created_at: datetime


class BalanceOut(ResponseModel):
    """The caller's credits."""

    credits: int


class WebhookAckOut(ResponseModel):
    """The answer to a provider's delivery."""

    event_id: str
    status: Literal["processed", "duplicate"] = Field(
        description="duplicate: the event was processed before and changed nothing now"
    )


class SandboxPayOut(ResponseModel):
    """The sandbox's simulated payment and the webhook it delivered."""

    event_id: str
    payment: PaymentOut


class GrantIn(RequestModel):
    """A plan given by an administrator, without payment."""

    plan: PlanName = Field(min_length=1, max_length=64)
    days: int = Field(ge=1, le=3_660, description="Days added to the user's plan")
