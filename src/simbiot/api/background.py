"""The background services the API process runs: each factory returns one (or None)."""

from __future__ import annotations

from simbiot.api.jobs import job_service
from simbiot.api.limits import idempotency_purger, limits_runtime
from simbiot.api.state import BackgroundFactory
from simbiot.billing.sweeper_service import billing_sweeper

__all__ = ["BACKGROUND"]

BACKGROUND: tuple[BackgroundFactory, ...] = (
    limits_runtime,
    idempotency_purger,
    job_service,
    billing_sweeper,
)
