"""Abuse limits in front of the API: body size and shape, rate limits, Idempotency-Key.

Installed by ``create_app`` as ASGI middlewares, outermost first:
``BodyGuardMiddleware`` (413/415/422 before anything parses the body) →
``RateLimitMiddleware`` (429) → ``IdempotencyMiddleware`` (replay, 409, 422) → routes.
Their run-time parts (``LimitsRuntime``, ``IdempotencyPurger``) are background services
of the API process.
"""

from __future__ import annotations

from fastapi import FastAPI

from simbiot.api.limits.body import BodyGuardMiddleware
from simbiot.api.limits.idempotency import IdempotencyMiddleware
from simbiot.api.limits.purge import IdempotencyPurger, idempotency_purger
from simbiot.api.limits.rate import RateLimitMiddleware
from simbiot.api.limits.runtime import LimitsRuntime, limits_runtime
from simbiot.config import Settings

__all__ = [
    "BodyGuardMiddleware",
    "IdempotencyMiddleware",
    "IdempotencyPurger",
    "LimitsRuntime",
    "RateLimitMiddleware",
    "idempotency_purger",
    "install_limits",
    "limits_runtime",
]


def install_limits(app: FastAPI, settings: Settings, prefix: str) -> None:
    """Add the limit middlewares to ``app`` for paths under ``prefix``.

    Starlette wraps each added middleware around the ones added before, so the innermost
    (idempotency) is added first and the body guard last.
    """
    app.add_middleware(IdempotencyMiddleware, prefix=prefix)
    app.add_middleware(RateLimitMiddleware, prefix=prefix)
    app.add_middleware(
        BodyGuardMiddleware,
        max_bytes=settings.api.max_body_bytes,
        max_depth=settings.api.max_json_depth,
        prefix=prefix,
    )
