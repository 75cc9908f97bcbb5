"""The outermost request guard: body size (413), media type (415), JSON shape (413/422).

The body is read here, at most ``max_body_bytes`` of it, whether the client sent a
Content-Length or a chunked stream; a larger body is refused as soon as the limit is
passed, before anything parses it. A body that passes is replayed to the application.
"""

from __future__ import annotations

from simbiot.api.limits.asgi import ASGIApp, Message, Receive, Scope, Send, header, send_error
from simbiot.api.limits.json_body import BodyRejected, check_json

__all__ = ["BodyGuardMiddleware"]

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Bytes of a refused body still read (and dropped) so the client gets the 413: closing a
# socket with unread input resets the connection before the client reads the answer.
_DRAIN_BYTES = 1024 * 1024


class _TooLarge(Exception):
    pass


def _is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


class BodyGuardMiddleware:
    """Bound and check the bodies of requests under ``prefix``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_depth: int, prefix: str) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _WITH_BODY
            or not str(scope["path"]).startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(receive, send)
            return
        try:
            body = await self._read(receive)
        except _TooLarge:
            await self._too_large(receive, send)
            return
        if body:
            try:
                if not _is_json(header(scope, b"content-type")):
                    raise BodyRejected(
                        415, "unsupported_media_type", "request bodies must be application/json"
                    )
                check_json(body, self.max_depth)
            except BodyRejected as exc:
                await send_error(send, exc.status, exc.code, exc.message)
                return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _too_large(self, receive: Receive, send: Send) -> None:
        drained = 0
        while drained <= _DRAIN_BYTES:
            message = await receive()
            drained += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        await send_error(
            send,
            413,
            "payload_too_large",
            f"request bodies are limited to {self.max_bytes} bytes",
            [(b"connection", b"close")],
        )


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the buffered body once, then defers to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
