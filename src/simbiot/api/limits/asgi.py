"""ASGI plumbing the limit middlewares share: typed callables, error answers, the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from simbiot.api.errors import error_body
from simbiot.api.state import ApiState
from simbiot.security.tokens import InvalidToken

__all__ = [
    "ASGIApp",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "api_state_of",
    "header",
    "send_error",
    "send_json",
    "token_user_id",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_CALLER_KEY = "simbiot.token_user_id"


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of request header ``name`` (lower-case bytes), or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def api_state_of(scope: Scope) -> ApiState | None:
    """The ``ApiState`` the lifespan put on the application (None before start-up)."""
    app = scope.get("app")
    state = getattr(getattr(app, "state", None), "api", None)
    return state if isinstance(state, ApiState) else None


def token_user_id(scope: Scope, state: ApiState) -> int | None:
    """The user id of a valid bearer access token on the request, else None.

    The result is kept on the scope, so the rate limit and idempotency layers verify the
    token once between them; the route's own dependency still checks the user is active.
    """
    if _CALLER_KEY in scope:
        cached: int | None = scope[_CALLER_KEY]
        return cached
    user_id: int | None = None
    raw = header(scope, b"authorization")
    if raw is not None:
        scheme, _, token = raw.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            try:
                user_id = state.tokens.verify(token.strip()).user_id
            except InvalidToken:
                user_id = None
    scope[_CALLER_KEY] = user_id
    return user_id


async def send_json(
    send: Send,
    status: int,
    body: Any,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer ``body`` as JSON with ``status`` and extra ``headers``."""
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer the API's one error shape."""
    await send_json(send, status, error_body(code, message), headers)
