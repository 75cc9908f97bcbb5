"""One error shape for every failure: ``{"error": {"code": ..., "message": ...}}``.

Domain errors map to HTTP statuses here, once: ``NotFound`` → 404 (also what another user's
id gets, so existence never leaks), ``Conflict`` → 409, validation → 422. Anything else is a
500 whose body says nothing about the cause (the cause goes to the log).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from simbiot.billing.errors import PlanLimit
from simbiot.domain.errors import Conflict, NotFound, StorageError

__all__ = ["ApiError", "error_body", "install_error_handlers", "unauthorized"]

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error answered to the client as is."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _STATUS_CODES.get(status, "error")
        self.message = message
        self.headers = headers


def unauthorized() -> ApiError:
    """The one answer to every authentication failure, whatever its cause."""
    return ApiError(401, "invalid or missing credentials", headers={"WWW-Authenticate": "Bearer"})


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON body of an error answer."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def _respond(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        jsonable_encoder(error_body(code, message, details)), status_code=status, headers=headers
    )


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _respond(exc.status, exc.code, exc.message, headers=exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers) if exc.headers else None
    return _respond(exc.status_code, code, message, headers=headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors()
    ]
    return _respond(422, "invalid_request", "the request is not valid", details)


async def _not_found(_: Request, exc: Exception) -> JSONResponse:
    return _respond(404, "not_found", "not found")


async def _conflict(_: Request, exc: Exception) -> JSONResponse:
    # A constraint violation's text comes from the database driver (table and column
    # names, values): only the operation's name before it is shown.
    message = str(exc) or "conflict"
    if isinstance(exc.__cause__, IntegrityError):
        message = f"{message.split(': ', 1)[0]}: conflicts with existing data"
    return _respond(409, "conflict", message)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("storage failed on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(503, "unavailable", "temporarily unavailable, retry later")


async def _plan_limit(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PlanLimit)
    return _respond(403, "plan_limit", str(exc), {"limit": exc.limit})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(500, "internal_error", "internal error")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every failure the one error shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(PlanLimit, _plan_limit)
    app.add_exception_handler(StorageError, _unavailable)
    app.add_exception_handler(Exception, _unexpected)
