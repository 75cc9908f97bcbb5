"""``create_app(settings)``: the FastAPI application and the lifespan that owns its resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from simbiot import __version__
from simbiot.api.background import BACKGROUND
from simbiot.api.errors import install_error_handlers
from simbiot.api.limits import install_limits
from simbiot.api.routes import ROOT_ROUTERS, ROUTERS
from simbiot.api.state import ApiState
from simbiot.config import Settings
from simbiot.domain.clock import Clock, LiveClock
from simbiot.security.local_secrets import with_local_secrets
from simbiot.security.passwords import PasswordHasher
from simbiot.security.tokens import TokenService
from simbiot.services.container import Container

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"


def _state(settings: Settings, container: Container, wall_clock: Clock | None) -> ApiState:
    # A container on a live clock (shifted or not) is on real time; a simulated venue's
    # clock is not, and must not shorten token lifetimes or rate windows.
    if wall_clock is None:
        wall_clock = container.clock if isinstance(container.clock, LiveClock) else LiveClock()
    sec = settings.security
    assert sec.jwt_secret is not None  # with_local_secrets filled it in or refused
    tokens = TokenService(
        secret=sec.jwt_secret.get_secret_value(),
        issuer=sec.jwt_issuer,
        audience=sec.jwt_audience,
        ttl_s=sec.access_token_ttl_s,
        clock=wall_clock,
    )
    return ApiState(settings, container, tokens, PasswordHasher.from_settings(sec), wall_clock)


def create_app(
    settings: Settings, *, container: Container | None = None, wall_clock: Clock | None = None
) -> FastAPI:
    """Build the API. The lifespan starts a container over ``settings`` (or uses the one
    given, which the caller owns), and the background services; shutdown closes them.

    ``wall_clock`` times tokens, rate windows and idempotency keys (default: the
    container's clock when it is a live one, else the system clock)."""
    settings = with_local_secrets(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = container is None
        c = container if container is not None else Container(settings)
        await c.start()
        state = _state(settings, c, wall_clock)
        app.state.api = state
        try:
            await state.start_background(list(BACKGROUND))
            yield
        finally:
            await state.aclose()
            if own:
                await c.aclose()

    app = FastAPI(
        title="Simbiot API",
        version=__version__,
        description="Market X-ray, signals and multi-user trading.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    install_limits(app, settings, API_PREFIX)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api.cors_origins),
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        )
    install_error_handlers(app)
    for router in ROOT_ROUTERS:
        app.include_router(router)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    return app
