"""Token attacks over HTTP: every forged, stale or misused credential gets the same 401."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from api_harness import ApiHarness
from cryptography.hazmat.primitives.asymmetric import rsa

UNAUTHORIZED = {"error": {"code": "unauthorized", "message": "invalid or missing credentials"}}
PASSWORD = "Correct horse 9"


async def _assert_401(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == UNAUTHORIZED
    assert response.headers["www-authenticate"] == "Bearer"


def _claims(api: ApiHarness, user_id: int, **override: Any) -> dict[str, Any]:
    sec = api.state.settings.security
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": "user",
        "typ": "access",
        "iss": sec.jwt_issuer,
        "aud": sec.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": "abc123",
        "iat_ms": now * 1000,
    }
    claims.update(override)
    if isinstance(override.get("iat"), int) and "iat_ms" not in override:
        claims["iat_ms"] = override["iat"] * 1000
    return {k: v for k, v in claims.items() if v is not None}


def _secret(api: ApiHarness) -> str:
    secret = api.state.settings.security.jwt_secret
    assert secret is not None
    return secret.get_secret_value()


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _tampered(api: ApiHarness, user_id: int) -> str:
    header, _, signature = jwt.encode(_claims(api, user_id), _secret(api), "HS256").split(".")
    # Same signature, payload now claiming to be an administrator of another account.
    payload = _b64(_claims(api, user_id + 1, role="admin"))
    return f"{header}.{payload}.{signature}"


def _rs256(api: ApiHarness, user_id: int) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(api, user_id), key, algorithm="RS256")


Forge = Callable[[ApiHarness, int], str]
FORGERIES: dict[str, Forge] = {
    "alg-none": lambda api, uid: jwt.encode(_claims(api, uid), None, algorithm="none"),
    "alg-none-signed-shape": lambda api, uid: (
        _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims(api, uid)) + "."
    ),
    "wrong-key": lambda api, uid: jwt.encode(_claims(api, uid), "k" * 64, algorithm="HS256"),
    "hs512-right-key": lambda api, uid: jwt.encode(_claims(api, uid), _secret(api), "HS512"),
    "rs256": _rs256,
    "expired": lambda api, uid: jwt.encode(
        _claims(api, uid, iat=1_000, nbf=1_000, exp=2_000), _secret(api), "HS256"
    ),
    "not-yet-valid": lambda api, uid: jwt.encode(
        _claims(api, uid, nbf=int(time.time()) + 3_600, exp=int(time.time()) + 7_200),
        _secret(api),
        "HS256",
    ),
    "wrong-audience": lambda api, uid: jwt.encode(
        _claims(api, uid, aud="someone-else"), _secret(api), "HS256"
    ),
    "wrong-issuer": lambda api, uid: jwt.encode(
        _claims(api, uid, iss="evil"), _secret(api), "HS256"
    ),
    "no-expiry": lambda api, uid: jwt.encode(_claims(api, uid, exp=None), _secret(api), "HS256"),
    "refresh-typed-jwt": lambda api, uid: jwt.encode(
        _claims(api, uid, typ="refresh"), _secret(api), "HS256"
    ),
    "unknown-user": lambda api, uid: jwt.encode(_claims(api, uid + 10_000), _secret(api), "HS256"),
    "tampered-payload": _tampered,
    "garbage": lambda api, uid: "not.a.jwt",
    "empty-segments": lambda api, uid: "..",
}


@pytest.mark.parametrize("attack", sorted(FORGERIES))
async def test_forged_access_tokens_get_one_401(api_sqlite: ApiHarness, attack: str) -> None:
    user_id, good = await api_sqlite.user()
    assert (await api_sqlite.client.get("/api/v1/me", headers=good)).status_code == 200
    token = FORGERIES[attack](api_sqlite, user_id)
    r = await api_sqlite.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    await _assert_401(r)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": ""},
    ],
    ids=["missing", "basic", "bearer-without-token", "empty"],
)
async def test_missing_or_foreign_schemes_get_one_401(
    api_sqlite: ApiHarness, headers: dict[str, str]
) -> None:
    await _assert_401(await api_sqlite.client.get("/api/v1/me", headers=headers))


async def _login(client: httpx.AsyncClient, email: str) -> Any:
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()


async def test_token_kinds_cannot_stand_in_for_each_other(api: ApiHarness) -> None:
    await api.user("kinds@example.com", password=PASSWORD)
    pair = await _login(api.client, "kinds@example.com")
    as_access = await api.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {pair['refresh_token']}"}
    )
    await _assert_401(as_access)
    as_refresh = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["access_token"]}
    )
    await _assert_401(as_refresh)


async def test_reused_refresh_token_kills_the_family(api: ApiHarness) -> None:
    client = api.client
    await api.user("reuse@example.com", password=PASSWORD)
    first = await _login(client, "reuse@example.com")
    other_session = await _login(client, "reuse@example.com")

    second = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    newest = second.json()["refresh_token"]

    # The stolen first token is replayed: refused, and the family's newest token dies too.
    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    await _assert_401(replay)
    await _assert_401(await client.post("/api/v1/auth/refresh", json={"refresh_token": newest}))
    # Another login (another family) is untouched.
    ok = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": other_session["refresh_token"]}
    )
    assert ok.status_code == 200


@pytest.mark.parametrize("token", ["garbage", "x" * 4096], ids=["garbage", "longest-accepted"])
async def test_unknown_refresh_tokens_get_one_401(api_sqlite: ApiHarness, token: str) -> None:
    r = await api_sqlite.client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    await _assert_401(r)


@pytest.mark.parametrize(
    "token", ["", "x" * 4097, 12345, None], ids=["empty", "too-long", "int", "null"]
)
async def test_misshapen_refresh_bodies_are_422(api_sqlite: ApiHarness, token: Any) -> None:
    r = await api_sqlite.client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"


async def test_deactivated_user_is_refused_everywhere(api: ApiHarness) -> None:
    client = api.client
    user_id, _ = await api.user("gone@example.com", password=PASSWORD)
    _, admin = await api.user(role="admin")
    pair = await _login(client, "gone@example.com")
    access = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await client.get("/api/v1/me", headers=access)).status_code == 200

    r = await client.patch(
        f"/api/v1/admin/users/{user_id}", json={"is_active": False}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["is_active"] is False

    await _assert_401(await client.get("/api/v1/me", headers=access))
    await _assert_401(await client.post("/api/v1/auth/logout-all", headers=access))
    await _assert_401(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    )
    await _assert_401(
        await client.post(
            "/api/v1/auth/login", json={"email": "gone@example.com", "password": PASSWORD}
        )
    )

    # Enabled again: logging in works; the sessions from before stay dead.
    r = await client.patch(
        f"/api/v1/admin/users/{user_id}", json={"is_active": True}, headers=admin
    )
    assert r.status_code == 200
    await _login(client, "gone@example.com")
    await _assert_401(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    )
