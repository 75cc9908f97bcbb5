"""Accounts over HTTP on both backends: register, log in, refresh, log out, password."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from api_harness import ApiHarness, api_settings, serve
from sqlalchemy import select
from starlette.types import Message, Receive, Scope, Send

from simbiot.api.app import create_app
from simbiot.storage.tables import AuditRow, RefreshTokenRow, UserRow

PASSWORD = "Correct horse 9"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _register(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Any:
    r = await client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert r.status_code == 201, r.text
    return r.json()


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Any:
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


async def test_register_login_me_refresh_logout(api: ApiHarness) -> None:
    client = api.client
    user = await _register(client, "Alice@Example.com")
    assert user["email"] == "alice@example.com"
    assert user["role"] == "user"
    assert user["is_active"] is True
    assert "password" not in str(user)

    pair = await _login(client, "ALICE@example.com")
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == api.state.settings.security.access_token_ttl_s
    assert 0 < pair["expires_in"] <= 900

    me = await client.get("/api/v1/me", headers=_bearer(pair["access_token"]))
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["id"] == user["id"]
    assert body["email"] == "alice@example.com"
    assert body["plan"]["name"] == "free"
    assert body["plan"]["valid_until"] is None
    assert body["plan"]["entitlements"]["max_bots"] == 1

    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 200, again.text
    fresh = again.json()
    assert fresh["refresh_token"] != pair["refresh_token"]
    assert (
        await client.get("/api/v1/me", headers=_bearer(fresh["access_token"]))
    ).status_code == 200

    out = await client.post("/api/v1/auth/logout", json={"refresh_token": fresh["refresh_token"]})
    assert out.status_code == 204
    dead = await client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert dead.status_code == 401

    async with api.state.container.database.transaction() as session:
        actions = (
            await session.scalars(select(AuditRow.action).where(AuditRow.user_id == user["id"]))
        ).all()
        stored = (
            await session.scalars(
                select(RefreshTokenRow.token_hash).where(RefreshTokenRow.user_id == user["id"])
            )
        ).all()
    assert {"auth.register", "auth.login", "auth.logout"} <= set(actions)
    # Only digests are stored, never the tokens.
    assert pair["refresh_token"] not in stored
    assert all(len(h) == 64 for h in stored)


async def test_register_duplicate_email_is_a_conflict(api: ApiHarness) -> None:
    await _register(api.client, "bob@example.com")
    r = await api.client.post(
        "/api/v1/auth/register", json={"email": "BOB@example.com", "password": "Another pass 1"}
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    assert "unique" not in r.text.lower()


async def test_logout_ends_only_that_session_and_logout_all_ends_every_one(
    api: ApiHarness,
) -> None:
    client = api.client
    await _register(client, "carol@example.com")
    laptop = await _login(client, "carol@example.com")
    phone = await _login(client, "carol@example.com")
    tablet = await _login(client, "carol@example.com")

    r = await client.post("/api/v1/auth/logout", json={"refresh_token": laptop["refresh_token"]})
    assert r.status_code == 204
    phone2 = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
    )
    assert phone2.status_code == 200

    r = await client.post("/api/v1/auth/logout-all", headers=_bearer(tablet["access_token"]))
    assert r.status_code == 204
    for token in (phone2.json()["refresh_token"], tablet["refresh_token"]):
        refused = await client.post("/api/v1/auth/refresh", json={"refresh_token": token})
        assert refused.status_code == 401

    # Logging out with an unknown token is a no-op, not an error.
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": "x" * 43})
    assert r.status_code == 204


async def test_logout_all_needs_an_access_token(api: ApiHarness) -> None:
    r = await api.client.post("/api/v1/auth/logout-all")
    assert r.status_code == 401


async def test_password_change_revokes_sessions_and_swaps_the_password(api: ApiHarness) -> None:
    client = api.client
    await _register(client, "dave@example.com")
    one = await _login(client, "dave@example.com")
    two = await _login(client, "dave@example.com")
    headers = _bearer(one["access_token"])

    wrong = await client.post(
        "/api/v1/me/password",
        json={"current_password": "Not my pass 1", "new_password": "Brand new pass 2"},
        headers=headers,
    )
    assert wrong.status_code == 403
    same = await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": PASSWORD},
        headers=headers,
    )
    assert same.status_code == 422
    weak = await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "alllowercaseletters"},
        headers=headers,
    )
    assert weak.status_code == 422

    ok = await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "Brand new pass 2"},
        headers=headers,
    )
    assert ok.status_code == 204, ok.text
    for pair in (one, two):
        r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert r.status_code == 401
    old = await client.post(
        "/api/v1/auth/login", json={"email": "dave@example.com", "password": PASSWORD}
    )
    assert old.status_code == 401
    await _login(client, "dave@example.com", "Brand new pass 2")


async def test_login_rehashes_a_password_hashed_at_an_older_cost(api_sqlite: ApiHarness) -> None:
    from simbiot.security.passwords import PasswordHasher
    from simbiot.storage.repositories import users

    state = api_sqlite.state
    cheaper = PasswordHasher(time_cost=1, memory_kib=32, parallelism=1)
    old_hash = await cheaper.hash_async(PASSWORD)
    assert state.passwords.needs_rehash(old_hash)
    async with state.container.database.transaction() as session:
        row = await users.create(session, email="erin@example.com", password_hash=old_hash)
        user_id = row.id

    await _login(api_sqlite.client, "erin@example.com")
    async with state.container.database.transaction() as session:
        new_hash = (await users.get(session, user_id=user_id)).password_hash
    assert new_hash != old_hash
    assert not state.passwords.needs_rehash(new_hash)
    await _login(api_sqlite.client, "erin@example.com")


async def test_a_registration_is_committed_before_the_answer_leaves(tmp_path: Path) -> None:
    settings = api_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db")
    app = create_app(settings)
    seen_at_answer: list[bool] = []

    async def look_before_answering(scope: Scope, receive: Receive, send: Send) -> None:
        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["path"].endswith("/register"):
                # Another connection must already see the account when the answer starts.
                database = app.state.api.container.database
                async with database.transaction() as session:
                    found = await session.scalar(
                        select(UserRow.id).where(UserRow.email == "early@example.com")
                    )
                seen_at_answer.append(found is not None)
            await send(message)

        await inner(scope, receive, watching)

    inner = app.build_middleware_stack()
    app.middleware_stack = look_before_answering  # type: ignore[assignment]
    async for api in serve(app):
        await _register(api.client, "early@example.com")
    assert seen_at_answer == [True]
