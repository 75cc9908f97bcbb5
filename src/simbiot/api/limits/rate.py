"""Rate limits: per user by plan, per client address when anonymous; 429 with Retry-After.

Every answer under the prefix carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (seconds until the pool is full again). When the shared counter is
unreachable the request is let through and the failure logged: an outage of Redis must
not take the whole API down with it.
"""

from __future__ import annotations

import logging
import math

from simbiot.api.limits.asgi import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    api_state_of,
    send_error,
    token_user_id,
)
from simbiot.api.limits.gcra import RateDecision
from simbiot.api.limits.runtime import runtime_of
from simbiot.cache.keys import CacheKeys
from simbiot.domain.errors import CacheUnavailable

__all__ = ["RateLimitMiddleware", "rate_headers"]

log = logging.getLogger(__name__)

WINDOW_S = 60.0


def rate_headers(d: RateDecision) -> list[tuple[bytes, bytes]]:
    """The X-RateLimit-* headers (and Retry-After when refused) of a decision."""
    out = [
        (b"x-ratelimit-limit", str(d.limit).encode()),
        (b"x-ratelimit-remaining", str(d.remaining).encode()),
        (b"x-ratelimit-reset", str(math.ceil(d.reset_after_s)).encode()),
    ]
    if not d.allowed:
        out.append((b"retry-after", str(max(1, math.ceil(d.retry_after_s))).encode()))
    return out


class RateLimitMiddleware:
    """Charge each request under ``prefix`` to its user's or its address's pool."""

    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = api_state_of(scope) if scope["type"] == "http" else None
        runtime = runtime_of(state) if state is not None else None
        if state is None or runtime is None or not str(scope["path"]).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        user_id = token_user_id(scope, state)
        try:
            if user_id is not None:
                limit = await runtime.rates.per_minute(user_id)
                pool = f"api:user:{user_id}"
            else:
                limit = state.settings.api.anonymous_rate_per_minute
                client = scope.get("client")
                pool = f"api:anon:{client[0] if client else 'unknown'}"
            decision = await runtime.counter.hit(
                CacheKeys.rate_limit(pool), limit, WINDOW_S, state.wall_clock.now_ms()
            )
        except CacheUnavailable:
            log.warning("rate counter unavailable; request let through", exc_info=True)
            await self.app(scope, receive, send)
            return
        headers = rate_headers(decision)
        if not decision.allowed:
            await send_error(send, 429, "rate_limited", "too many requests", headers)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, with_headers)
