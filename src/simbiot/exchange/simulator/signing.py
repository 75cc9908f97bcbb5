"""MEXC's signed-request check: HMAC-SHA256 of the query (and body), timestamp window."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from simbiot.exchange.simulator.errors import SimApiError

__all__ = ["MAX_RECV_WINDOW_MS", "sign", "verify"]

MAX_RECV_WINDOW_MS = 60_000
_DEFAULT_RECV_WINDOW_MS = 5_000


def sign(secret: str, payload: str) -> str:
    """Return the hex HMAC-SHA256 signature of ``payload``."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def verify(
    *, secret: str, raw_query: str, body: str, params: Mapping[str, str], server_ms: int
) -> None:
    """Raise MEXC's error unless the request is signed by ``secret`` and on time.

    The signed payload is the query string up to ``&signature=`` followed by the body,
    which is what MEXC (and ccxt) sign.
    """
    signature = params.get("signature")
    if not signature:
        raise SimApiError(700002, "Signature for this request is not valid.")
    payload = "&".join(p for p in raw_query.split("&") if not p.startswith("signature=")) + body
    if not hmac.compare_digest(sign(secret, payload), signature.lower()):
        raise SimApiError(700002, "Signature for this request is not valid.")
    try:
        timestamp = int(params.get("timestamp", ""))
        window = int(params.get("recvWindow", _DEFAULT_RECV_WINDOW_MS))
    except ValueError:
        raise SimApiError(
            700003, "Timestamp for this request is outside of the recvWindow."
        ) from None
    if window > MAX_RECV_WINDOW_MS:
        raise SimApiError(700005, "recvWindow must less than 60000")
    if not server_ms - window <= timestamp <= server_ms + 1_000:
        raise SimApiError(700003, "Timestamp for this request is outside of the recvWindow.")
