"""``Idempotency-Key`` on order-like requests (POST, PUT, PATCH, DELETE carrying the header).

The first request with a key claims it (a row in ``idempotency_keys``, committed before the
handler runs), and its status and JSON answer are stored when it finishes. A retry with the
same key and the same request (method, path, query and body) gets the stored answer again,
marked ``Idempotent-Replayed: true``; the same key with another request is refused (422
``idempotency_key_reused``); a retry while the first is still running gets 409. An answer
of 5xx, 401 or 403, or a handler that crashed, releases the key, so the client may retry.
Keys older than ``api.idempotency_ttl_s`` count as unused (purged by ``IdempotencyPurger``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import orjson

from simbiot.api.limits.asgi import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    api_state_of,
    header,
    send_error,
    token_user_id,
)
from simbiot.api.state import ApiState
from simbiot.storage.repositories import idempotency as keys

__all__ = ["IdempotencyMiddleware", "request_hash"]

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_KEY = 128
# Answers larger than this are passed through but not kept for replay.
_MAX_STORED = 1024 * 1024


def request_hash(method: str, path: str, query: bytes, body: bytes) -> str:
    """SHA-256 over what makes two requests the same request."""
    h = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def _valid_key(raw: bytes) -> str | None:
    try:
        key = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    if not 1 <= len(key) <= _MAX_KEY or not key.isprintable():
        return None
    return key


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(bytes(message.get("body", b"")))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


Settle = Callable[["_Capture"], Awaitable[None]]


class _Capture:
    """Forward an answer to the client while keeping a copy of its status and body.

    The answer is settled (stored for replays, or the key released) *before* its last body
    message goes out: a client that retries the moment it has read the answer must find it
    stored, not still "in flight".
    """

    def __init__(self, send: Send, settle: Settle) -> None:
        self._send = send
        self._settle = settle
        self.settled = False
        self.status = 0
        self.json = False
        self.chunks: list[bytes] = []
        self.size = 0

    async def settle(self) -> None:
        """Store the answer or release the key, once."""
        if not self.settled:
            self.settled = True
            await self._settle(self)

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            for name, value in message.get("headers", ()):
                if bytes(name).lower() == b"content-type":
                    self.json = bytes(value).split(b";")[0].strip() == b"application/json"
        elif message["type"] == "http.response.body":
            chunk = bytes(message.get("body", b""))
            self.size += len(chunk)
            if self.size <= _MAX_STORED:
                self.chunks.append(chunk)
            if not message.get("more_body", False):
                await self.settle()
        await self._send(message)

    def stored(self) -> dict[str, Any] | None:
        """The answer as kept for replays, or None when it must not be kept."""
        # Server errors may succeed on a retry; authentication failures say nothing about
        # the request and must not outlive the credentials that caused them.
        if self.status in (0, 401, 403) or self.status >= 500 or self.size > _MAX_STORED:
            return None
        body = b"".join(self.chunks)
        if not body:
            return {"body": None, "empty": True}
        if not self.json:
            return None
        try:
            return {"body": orjson.loads(body), "empty": False}
        except orjson.JSONDecodeError:
            return None


class IdempotencyMiddleware:
    """Make order-like requests under ``prefix`` that carry a key safe to retry."""

    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_key = header(scope, b"idempotency-key") if scope["type"] == "http" else None
        state = api_state_of(scope) if raw_key is not None else None
        if (
            state is None
            or raw_key is None
            or scope["method"] not in _WRITES
            or not str(scope["path"]).startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        user_id = token_user_id(scope, state)
        if user_id is None:  # the route answers the one 401
            await self.app(scope, receive, send)
            return
        key = _valid_key(raw_key)
        if key is None:
            await send_error(
                send,
                422,
                "invalid_idempotency_key",
                f"Idempotency-Key must be 1 to {_MAX_KEY} printable ASCII characters",
            )
            return
        body = await _read_body(receive)
        digest = request_hash(scope["method"], scope["path"], scope.get("query_string", b""), body)
        if not await self._claim(state, send, user_id, key, digest):
            return

        async def settle(answer: _Capture) -> None:
            await self._settle(state, user_id, key, answer.status, answer.stored())

        capture = _Capture(send, settle)
        try:
            await self.app(scope, _once(body, receive), capture)
        finally:
            # A handler that crashed (or a client gone) before the last body message.
            await capture.settle()

    async def _claim(
        self, state: ApiState, send: Send, user_id: int, key: str, digest: str
    ) -> bool:
        """Claim the key (True), or answer the client from the existing claim (False)."""
        now = state.wall_clock.now()
        expired_before = now - timedelta(seconds=state.settings.api.idempotency_ttl_s)
        async with state.container.database.transaction() as session:
            if await keys.claim(session, user_id=user_id, key=key, request_hash=digest, now=now):
                return True
            row = await keys.get(session, user_id=user_id, key=key)
            if row.created_at < expired_before:
                await keys.release(session, user_id=user_id, key=key)
                if await keys.claim(
                    session, user_id=user_id, key=key, request_hash=digest, now=now
                ):
                    return True
                row = await keys.get(session, user_id=user_id, key=key)
            stored_hash, status, response = row.request_hash, row.status_code, row.response
        if stored_hash != digest:
            await send_error(
                send,
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request",
            )
        elif status is None or response is None:
            await send_error(
                send, 409, "idempotency_in_flight", "a request with this key is still running"
            )
        else:
            await _replay(send, status, response)
        return False

    async def _settle(
        self, state: ApiState, user_id: int, key: str, status: int, answer: dict[str, Any] | None
    ) -> None:
        async with state.container.database.transaction() as session:
            if answer is None:
                await keys.release(session, user_id=user_id, key=key)
            else:
                await keys.complete(
                    session, user_id=user_id, key=key, status_code=status, response=answer
                )


async def _replay(send: Send, status: int, response: dict[str, Any]) -> None:
    replayed = (b"idempotent-replayed", b"true")
    if response.get("empty"):
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-length", b"0"), replayed],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    payload = orjson.dumps(response.get("body"))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                replayed,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _once(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the buffered body once, then defers to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
