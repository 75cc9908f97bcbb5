"""Webhook signatures: HMAC-SHA256 over ``timestamp.body``.

The header is ``Simbiot-Signature: t=<unix seconds>,v1=<hex digest>``; several ``v1``
values may be given (a secret being rotated), and one must match. The timestamp is part of
what is signed, so an old delivery cannot be re-dated, and one outside the tolerance is
refused even when its signature is good.
"""

from __future__ import annotations

import hashlib
import hmac

from simbiot.billing.errors import InvalidWebhook

__all__ = ["SIGNATURE_HEADER", "sign", "signature_header", "verify_signature"]

SIGNATURE_HEADER = "Simbiot-Signature"
_MAX_HEADER = 1024


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: int, body: bytes) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    digests: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise InvalidWebhook("malformed signature header")
        if key == "t":
            if not value.isascii() or not value.isdigit() or len(value) > 12:
                raise InvalidWebhook("malformed signature timestamp")
            timestamp = int(value)
        elif key == "v1":
            digests.append(value)
    if timestamp is None or not digests:
        raise InvalidWebhook("signature header lacks a timestamp or a digest")
    return timestamp, digests


def verify_signature(
    secret: bytes, header: str | None, body: bytes, *, now_s: int, tolerance_s: int
) -> int:
    """Check ``header`` against ``body``; return the signed timestamp or raise
    ``InvalidWebhook`` (missing, malformed, wrong digest, or outside ``tolerance_s``)."""
    if not header or len(header) > _MAX_HEADER:
        raise InvalidWebhook("missing or oversized signature header")
    timestamp, digests = _parse(header)
    expected = sign(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, d) for d in digests):
        raise InvalidWebhook("signature does not match")
    if abs(now_s - timestamp) > tolerance_s:
        raise InvalidWebhook("signature timestamp outside the tolerance")
    return timestamp
