"""The multi-user platform: the HTTP API and the plans users subscribe to."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from simbiot.config.sections.base import FrozenModel

__all__ = ["ApiSettings", "BillingSettings", "EntitlementSettings", "PlanSettings"]


class ApiSettings(FrozenModel):
    # Address the API server binds to.
    host: str = "127.0.0.1"
    # Port the API server listens on.
    port: int = Field(8000, ge=1, le=65535)
    # Uvicorn worker processes (each one opens its own pools).
    workers: int = Field(1, ge=1, le=64)
    # Largest request body accepted, in bytes (larger gets 413 before it is parsed).
    max_body_bytes: int = Field(256 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Deepest JSON nesting accepted in a request body.
    max_json_depth: int = Field(32, ge=2, le=512)
    # Items per page when a list request names no limit.
    page_size_default: int = Field(50, ge=1, le=1_000)
    # Largest page a list request may ask for.
    page_size_max: int = Field(200, ge=1, le=10_000)
    # Failed logins per email (and per client address) within the window before refusing.
    login_max_failures: int = Field(5, ge=1, le=1_000)
    # Window of the failed-login count, in seconds; a locked login reopens after it.
    login_window_s: int = Field(900, ge=10, le=86_400)
    # Seconds an Idempotency-Key and its stored answer are kept.
    idempotency_ttl_s: int = Field(86_400, ge=60, le=30 * 86_400)
    # Requests per minute allowed to an unauthenticated client address.
    anonymous_rate_per_minute: int = Field(60, ge=1, le=1_000_000)
    # Origins allowed by CORS for the web dashboard (empty: same origin only).
    cors_origins: tuple[str, ...] = ()
    # Background jobs (backtests, optimisations) run at once by one API process.
    job_workers: int = Field(1, ge=0, le=64)
    # Seconds a job's lease lasts; a job whose worker died is taken over after it.
    job_lease_s: int = Field(60, ge=5, le=3_600)


class EntitlementSettings(FrozenModel):
    # Bots a user may have at once.
    max_bots: int = Field(1, ge=0, le=100_000)
    # Live (real-money) bots allowed at all.
    live_trading: bool = False
    # Symbols one bot may trade at once (open positions).
    max_symbols: int = Field(3, ge=0, le=100_000)
    # Strategies the plan may use ("*" = every strategy).
    strategies: tuple[str, ...] = ("*",)
    # Machine-learning features: model predictions API and the ML entry filter.
    ml_features: bool = False
    # Backtests and optimisations a user may submit per UTC day.
    backtests_per_day: int = Field(2, ge=0, le=1_000_000)
    # Authenticated API requests per minute.
    api_rate_per_minute: int = Field(60, ge=1, le=1_000_000)
    # Symbols shown in the X-ray ranking.
    xray_top: int = Field(10, ge=0, le=10_000)

    def allows_strategy(self, name: str) -> bool:
        """Whether ``name`` is among the plan's strategies."""
        return "*" in self.strategies or name in self.strategies


class PlanSettings(FrozenModel):
    # Price of one period (0 for a free plan).
    price: Decimal = Field(Decimal(0), ge=0, allow_inf_nan=False)
    # Length of one subscription period in days.
    period_days: int = Field(30, ge=1, le=3_660)
    # What the plan allows.
    entitlements: EntitlementSettings = EntitlementSettings()


def _default_plans() -> dict[str, PlanSettings]:
    return {
        "free": PlanSettings(),
        "pro": PlanSettings(
            price=Decimal("29"),
            entitlements=EntitlementSettings(
                max_bots=10,
                live_trading=True,
                max_symbols=30,
                ml_features=True,
                backtests_per_day=50,
                api_rate_per_minute=600,
                xray_top=200,
            ),
        ),
        "enterprise": PlanSettings(
            price=Decimal("299"),
            entitlements=EntitlementSettings(
                max_bots=200,
                live_trading=True,
                max_symbols=500,
                ml_features=True,
                backtests_per_day=1_000,
                api_rate_per_minute=6_000,
                xray_top=5_000,
            ),
        ),
    }


class BillingSettings(FrozenModel):
    # Currency every price, payment and ledger entry is in.
    currency: str = Field("USD", min_length=3, max_length=3)
    # Plans by name; a user without a live subscription gets default_plan.
    plans: dict[str, PlanSettings] = Field(default_factory=_default_plans)
    # Plan of users with no active subscription (must be free).
    default_plan: str = "free"
    # Days a subscription keeps working after its period ends unpaid, before it expires.
    grace_days: int = Field(3, ge=0, le=90)
    # Price of one credit bought as a one-off payment.
    credit_price: Decimal = Field(Decimal("0.10"), gt=0, allow_inf_nan=False)
    # Credits one extra backtest or optimisation costs beyond the plan's daily allowance.
    credits_per_extra_backtest: int = Field(10, ge=0, le=1_000_000)
    # Payment provider: "sandbox" settles payments itself (no money moves).
    provider: Literal["sandbox"] = "sandbox"
    # Secret the provider signs its webhooks with (HMAC-SHA256); unset: derived from jwt_secret.
    webhook_secret: SecretStr | None = None
    # Webhooks older than this many seconds (by their signed timestamp) are refused.
    webhook_tolerance_s: int = Field(300, ge=10, le=86_400)

    @model_validator(mode="after")
    def _default_plan_known_and_free(self) -> BillingSettings:
        plan = self.plans.get(self.default_plan)
        if plan is None:
            raise ValueError(f"default_plan {self.default_plan!r} is not among plans")
        if plan.price != 0:
            raise ValueError(f"default_plan {self.default_plan!r} must be free (price 0)")
        return self
