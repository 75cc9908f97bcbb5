"""Small HTTP helpers shared by the simulator's route modules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from simbiot.exchange.simulator.errors import SimApiError

__all__ = ["PAYLOAD", "error_response", "int_param", "ok", "query_params"]

# Response key holding the JSON-able payload, so faults can rewrite it after the handler.
PAYLOAD: web.ResponseKey[Any] = web.ResponseKey("simbiot_payload", object)


def ok(data: Any, status: int = 200) -> web.Response:
    """Return ``data`` as a JSON response that remembers its payload."""
    response = web.Response(body=orjson.dumps(data), status=status, content_type="application/json")
    response[PAYLOAD] = data
    return response


def error_response(error: SimApiError, headers: Mapping[str, str] | None = None) -> web.Response:
    """Return MEXC's JSON error body with the error's HTTP status."""
    return web.Response(
        body=orjson.dumps(error.body()),
        status=error.status,
        content_type="application/json",
        headers=headers,
    )


def query_params(request: web.Request) -> dict[str, str]:
    """Return the query parameters as a plain dict (last value wins)."""
    return dict(request.query.items())


def int_param(params: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    """Return an integer parameter, ``default`` when absent; raise MEXC's error when bad."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SimApiError.bad_param(f"Parameter '{name}' is not an integer.") from None
