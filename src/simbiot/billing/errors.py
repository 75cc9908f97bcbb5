"""Billing errors.

::

    SimbiotError
    └── BillingError                 a billing request that cannot be carried out
        ├── UnknownPlan              no such plan, or one that cannot be bought
        ├── InsufficientCredits      a spend larger than the credit balance
        ├── PlanLimit                the plan (and the credits) do not allow this
        └── InvalidWebhook           bad signature, stale timestamp or malformed event

Storage errors (``NotFound``, ``Conflict``) keep their own classes.
"""

from __future__ import annotations

from simbiot.domain.errors import SimbiotError

__all__ = ["BillingError", "InsufficientCredits", "InvalidWebhook", "PlanLimit", "UnknownPlan"]


class BillingError(SimbiotError):
    """A billing request that cannot be carried out."""


class UnknownPlan(BillingError):
    """The plan is not configured, or is the free default that needs no subscription."""


class InsufficientCredits(BillingError):
    """The credit balance is smaller than the spend."""


class PlanLimit(BillingError):
    """The user's plan does not allow this, and no credits can pay for it."""

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class InvalidWebhook(BillingError):
    """A webhook that must be refused: its cause is logged, never told to the sender."""
