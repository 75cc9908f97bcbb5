"""User administration and request validation of the auth routes."""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import ApiHarness
from sqlalchemy import select

from simbiot.storage.tables import AuditRow

PASSWORD = "Correct horse 9"


async def test_admin_lists_users_page_by_page(api: ApiHarness) -> None:
    _, admin = await api.user(role="admin")
    created = [await api.user(f"member{i}@example.com") for i in range(5)]
    seen: list[int] = []
    after: int | None = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if after is not None:
            params["after"] = after
        r = await api.client.get("/api/v1/admin/users", params=params, headers=admin)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen.extend(item["id"] for item in page["items"])
        after = page["next_cursor"]
        if after is None:
            break
    assert seen == sorted(seen)
    assert {uid for uid, _ in created} <= set(seen)
    assert len(seen) == 6


async def test_admin_lists_include_disabled_users(api_sqlite: ApiHarness) -> None:
    admin_id, admin = await api_sqlite.user(role="admin")
    user_id, _ = await api_sqlite.user()
    r = await api_sqlite.client.patch(
        f"/api/v1/admin/users/{user_id}", json={"is_active": False}, headers=admin
    )
    assert r.status_code == 200
    listed = (await api_sqlite.client.get("/api/v1/admin/users", headers=admin)).json()
    states = {item["id"]: item["is_active"] for item in listed["items"]}
    assert states == {admin_id: True, user_id: False}
    assert listed["next_cursor"] is None


async def test_page_size_is_bounded(api_sqlite: ApiHarness) -> None:
    _, admin = await api_sqlite.user(role="admin")
    too_many = api_sqlite.state.settings.api.page_size_max + 1
    for params in ({"limit": too_many}, {"limit": 0}, {"after": -1}, {"limit": "many"}):
        r = await api_sqlite.client.get("/api/v1/admin/users", params=params, headers=admin)
        assert r.status_code == 422, params


async def test_ordinary_users_are_not_administrators(api: ApiHarness) -> None:
    user_id, headers = await api.user()
    r = await api.client.get("/api/v1/admin/users", headers=headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    r = await api.client.patch(
        f"/api/v1/admin/users/{user_id}", json={"role": "admin"}, headers=headers
    )
    assert r.status_code == 403
    me = await api.client.get("/api/v1/me", headers=headers)
    assert me.json()["role"] == "user"


async def test_promotion_takes_effect_at_once_and_is_audited(api: ApiHarness) -> None:
    admin_id, admin = await api.user(role="admin")
    user_id, headers = await api.user()
    r = await api.client.patch(
        f"/api/v1/admin/users/{user_id}", json={"role": "admin"}, headers=admin
    )
    assert r.status_code == 200
    assert r.json()["role"] == "admin"
    # The role is read from the account, not from the (older) token.
    assert (await api.client.get("/api/v1/admin/users", headers=headers)).status_code == 200
    async with api.state.container.database.transaction() as session:
        entry = await session.scalar(
            select(AuditRow).where(
                AuditRow.user_id == user_id, AuditRow.action == "admin.user_updated"
            )
        )
    assert entry is not None
    assert entry.actor == f"user:{admin_id}"
    assert entry.detail == {"role": "admin"}


async def test_admins_cannot_demote_or_disable_themselves(api_sqlite: ApiHarness) -> None:
    admin_id, admin = await api_sqlite.user(role="admin")
    for body in ({"role": "user"}, {"is_active": False}):
        r = await api_sqlite.client.patch(
            f"/api/v1/admin/users/{admin_id}", json=body, headers=admin
        )
        assert r.status_code == 409, body
    me = (await api_sqlite.client.get("/api/v1/me", headers=admin)).json()
    assert me["role"] == "admin"


async def test_unknown_user_and_bad_patch_bodies(api_sqlite: ApiHarness) -> None:
    _, admin = await api_sqlite.user(role="admin")
    user_id, _ = await api_sqlite.user()
    r = await api_sqlite.client.patch(
        "/api/v1/admin/users/999999", json={"is_active": False}, headers=admin
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    for body in ({"role": "root"}, {"is_active": "maybe"}, {"email": "x@example.com"}, []):
        r = await api_sqlite.client.patch(
            f"/api/v1/admin/users/{user_id}", json=body, headers=admin
        )
        assert r.status_code == 422, body
    unchanged = await api_sqlite.client.patch(
        f"/api/v1/admin/users/{user_id}", json={}, headers=admin
    )
    assert unchanged.status_code == 200
    assert unchanged.json()["role"] == "user"
    assert unchanged.json()["is_active"] is True


GOOD = {"email": "new@example.com", "password": PASSWORD}


@pytest.mark.parametrize(
    "body",
    [
        {**GOOD, "role": "admin"},
        {"email": "new@example.com"},
        {"password": PASSWORD},
        {**GOOD, "password": "Short 1"},
        {**GOOD, "password": "X1" * 129},
        {**GOOD, "password": "a" * 100_000},
        {**GOOD, "password": "onlylowercaseletters"},
        {**GOOD, "password": "1234567890123"},
        {**GOOD, "password": 12345678901},
        {**GOOD, "password": None},
        {**GOOD, "password": ["Correct horse 9"]},
        {**GOOD, "email": "not-an-email"},
        {**GOOD, "email": "two@@example.com"},
        {**GOOD, "email": "a b@example.com"},
        {**GOOD, "email": "dots..inside@example.com"},
        {**GOOD, "email": "x@" + "d" * 250 + ".com"},
        {**GOOD, "email": 42},
        [GOOD],
        "email=new@example.com",
    ],
    ids=[
        "unknown-field",
        "no-password",
        "no-email",
        "short-password",
        "long-password",
        "huge-password",
        "one-kind",
        "digits-only",
        "number-password",
        "null-password",
        "list-password",
        "plain-word-email",
        "double-at",
        "space-in-email",
        "double-dot",
        "long-email",
        "number-email",
        "array-body",
        "string-body",
    ],
)
async def test_bad_register_bodies_are_refused(api_sqlite: ApiHarness, body: Any) -> None:
    r = await api_sqlite.client.post("/api/v1/auth/register", json=body)
    assert 400 <= r.status_code < 500, r.text
    assert r.status_code in (413, 422)
    assert "error" in r.json()
    # Nothing was created.
    assert (await api_sqlite.client.post("/api/v1/auth/login", json=GOOD)).status_code == 401


async def test_non_json_bodies_are_refused(api_sqlite: ApiHarness) -> None:
    bodies = (
        b"{not json",
        b"",
        b"\xff\xfe",
        b'{"email": "a@example.com", "password": 1e309}',
        b'{"email": "a@example.com", "password": NaN}',
    )
    for content in bodies:
        r = await api_sqlite.client.post(
            "/api/v1/auth/login", content=content, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, content


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.com", "password": PASSWORD, "remember": True},
        {"email": "a@example.com", "password": ""},
        {"email": "a@example.com", "password": "p" * 257},
        {"email": "", "password": PASSWORD},
        {"email": ["a@example.com"], "password": PASSWORD},
    ],
    ids=["unknown-field", "empty-password", "long-password", "empty-email", "list-email"],
)
async def test_bad_login_bodies_are_422(api_sqlite: ApiHarness, body: Any) -> None:
    r = await api_sqlite.client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 422, r.text


async def test_passwords_are_taken_exactly_as_typed(api_sqlite: ApiHarness) -> None:
    spaced = "  Padded pass 9  "
    r = await api_sqlite.client.post(
        "/api/v1/auth/register", json={"email": "pad@example.com", "password": spaced}
    )
    assert r.status_code == 201
    trimmed = {"email": "pad@example.com", "password": spaced.strip()}
    assert (await api_sqlite.client.post("/api/v1/auth/login", json=trimmed)).status_code == 401
    exact = {"email": " pad@example.com ", "password": spaced}
    assert (await api_sqlite.client.post("/api/v1/auth/login", json=exact)).status_code == 200


async def test_openapi_documents_the_auth_routes(api_sqlite: ApiHarness) -> None:
    doc = (await api_sqlite.client.get("/api/v1/openapi.json")).json()
    paths = doc["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/logout-all",
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/admin/users",
        "/api/v1/admin/users/{user_id}",
    ):
        assert path in paths, path
    login = paths["/api/v1/auth/login"]["post"]
    assert {"200", "401", "422", "429"} <= set(login["responses"])
    schemas = doc["components"]["schemas"]
    assert set(schemas["RegisterIn"]["properties"]) == {"email", "password"}
    assert schemas["RegisterIn"].get("additionalProperties") is False
    assert "10-256 characters" in schemas["RegisterIn"]["properties"]["password"]["description"]


async def test_out_of_range_ids_are_refused_not_crashed(api: ApiHarness) -> None:
    _, admin = await api.user(role="admin")
    for user_id in ("0", "-1", str(2**63), "9" * 30, "abc"):
        r = await api.client.patch(
            f"/api/v1/admin/users/{user_id}", json={"is_active": False}, headers=admin
        )
        assert r.status_code in (404, 422), (user_id, r.text)
    for after in (str(2**63), "9" * 30):
        r = await api.client.get("/api/v1/admin/users", params={"after": after}, headers=admin)
        assert r.status_code < 500, (after, r.text)
