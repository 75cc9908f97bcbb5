"""The one error shape, and what each domain failure answers."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from simbiot.api.errors import ApiError, install_error_handlers
from simbiot.domain.errors import Conflict, NotFound, StorageError


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/not-found")
    async def not_found() -> None:
        raise NotFound("bot 7 of user 3")

    @app.get("/integrity")
    async def integrity() -> None:
        orig = Exception('duplicate key value violates "uq_users_email" (email)=(a@b.c)')
        try:
            raise IntegrityError("INSERT", {}, orig)
        except IntegrityError as exc:
            raise Conflict(f"create user: {exc.orig}") from exc

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict("the key is used by a bot")

    @app.get("/storage")
    async def storage() -> None:
        raise StorageError("database unavailable: connection refused to 10.0.0.5")

    @app.get("/api-error")
    async def api_error() -> None:
        raise ApiError(429, "slow down", headers={"Retry-After": "3"})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return app


async def _get(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path)


async def test_not_found_says_nothing_about_the_object() -> None:
    r = await _get("/not-found")
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "not found"}}


async def test_constraint_violations_hide_the_driver_text() -> None:
    r = await _get("/integrity")
    assert r.status_code == 409
    body = r.text
    assert "uq_users_email" not in body
    assert "a@b.c" not in body
    assert r.json()["error"] == {
        "code": "conflict",
        "message": "create user: conflicts with existing data",
    }


async def test_domain_conflicts_keep_their_message() -> None:
    r = await _get("/conflict")
    assert r.json()["error"]["message"] == "the key is used by a bot"


async def test_a_lost_database_is_a_503_without_details() -> None:
    r = await _get("/storage")
    assert r.status_code == 503
    assert "10.0.0.5" not in r.text
    assert r.json()["error"]["code"] == "unavailable"


async def test_api_errors_keep_status_and_headers() -> None:
    r = await _get("/api-error")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3"
    assert r.json()["error"] == {"code": "rate_limited", "message": "slow down"}


async def test_unexpected_errors_are_a_generic_500() -> None:
    r = await _get("/boom")
    assert r.status_code == 500
    assert "secret" not in r.text
    assert r.json() == {"error": {"code": "internal_error", "message": "internal error"}}
