"""Access tokens die with their sessions: logging out everywhere, changing the password or
being deactivated refuses every access token issued before, at once; a new login works."""

from __future__ import annotations

from typing import Any

from api_harness import ApiHarness

V1 = "/api/v1"
PASSWORD = "Revocation-pass-1"


async def _login(api: ApiHarness, email: str, password: str = PASSWORD) -> dict[str, Any]:
    r = await api.client.post(f"{V1}/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def _register(api: ApiHarness, email: str) -> None:
    r = await api.client.post(f"{V1}/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text


async def test_logout_everywhere_refuses_earlier_access_tokens(api: ApiHarness) -> None:
    await _register(api, "out@example.com")
    phone, laptop = await _login(api, "out@example.com"), await _login(api, "out@example.com")
    assert (await api.client.get(f"{V1}/me", headers=_bearer(phone))).status_code == 200
    r = await api.client.post(f"{V1}/auth/logout-all", headers=_bearer(laptop))
    assert r.status_code == 204
    for tokens in (phone, laptop):
        refused = await api.client.get(f"{V1}/me", headers=_bearer(tokens))
        assert refused.status_code == 401
    fresh = await _login(api, "out@example.com")
    assert (await api.client.get(f"{V1}/me", headers=_bearer(fresh))).status_code == 200


async def test_a_password_change_refuses_earlier_access_tokens(api: ApiHarness) -> None:
    await _register(api, "pw@example.com")
    old = await _login(api, "pw@example.com")
    changed = await api.client.post(
        f"{V1}/me/password",
        json={"current_password": PASSWORD, "new_password": "Brand-new-pass-2"},
        headers=_bearer(old),
    )
    assert changed.status_code in (200, 204), changed.text
    assert (await api.client.get(f"{V1}/me", headers=_bearer(old))).status_code == 401
    new = await _login(api, "pw@example.com", "Brand-new-pass-2")
    assert (await api.client.get(f"{V1}/me", headers=_bearer(new))).status_code == 200


async def test_other_users_tokens_are_untouched(api: ApiHarness) -> None:
    await _register(api, "a@example.com")
    await _register(api, "b@example.com")
    a, b = await _login(api, "a@example.com"), await _login(api, "b@example.com")
    await api.client.post(f"{V1}/auth/logout-all", headers=_bearer(a))
    assert (await api.client.get(f"{V1}/me", headers=_bearer(b))).status_code == 200
