"""The API's routers; ``ROUTERS`` are mounted under ``/api/v1`` in this order."""

from __future__ import annotations

from fastapi import APIRouter

from simbiot.api.routes import auth, billing, bots, health, jobs, keys, market, settings, strategies

__all__ = ["ROOT_ROUTERS", "ROUTERS"]

# Mounted at the root (probes for load balancers and orchestrators).
ROOT_ROUTERS: tuple[APIRouter, ...] = (health.router,)
# Mounted under /api/v1.
ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    billing.router,
    bots.router,
    jobs.router,
    keys.router,
    market.router,
    settings.router,
    strategies.router,
)
