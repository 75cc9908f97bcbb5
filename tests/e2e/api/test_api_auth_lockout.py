"""Brute-force protection, token lifetimes on a moved clock, and equal login cost."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.api.app import create_app
from simbiot.config import Settings
from simbiot.domain.clock import LiveClock
from simbiot.services.container import Container

PASSWORD = "Correct horse 9"
MAX_FAILURES = 3
WINDOW_S = 60


class ShiftedClock(LiveClock):
    """Wall-clock time moved forward on demand. Unlike a simulated clock, its ``sleep``
    really waits, so background loops of the server cannot race time ahead."""

    def __init__(self) -> None:
        self._offset_ms = 0

    def now_ms(self) -> int:
        return super().now_ms() + self._offset_ms

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_ms() / 1000, tz=UTC)

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` ahead."""
        self._offset_ms += round(seconds * 1000)


@pytest.fixture(params=["sqlite", "postgres"])
def guarded_config(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings with a lockout after three failures, on each backend pair."""
    limits = {"login_max_failures": MAX_FAILURES, "login_window_s": WINDOW_S}
    if request.param == "sqlite":
        return api_settings(
            tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db", api=limits
        )
    return api_settings(
        tmp_path,
        database_url=request.getfixturevalue("postgres_url"),
        redis_url=request.getfixturevalue("redis_url"),
        api=limits,
    )


@pytest.fixture
async def guarded(guarded_config: Settings) -> AsyncIterator[ApiHarness]:
    """The API over ``guarded_config``."""
    async for harness in serve(create_app(guarded_config)):
        yield harness


@pytest.fixture
async def simulated(tmp_path: Path) -> AsyncIterator[tuple[ApiHarness, ShiftedClock]]:
    """The API on SQLite and the memory cache, both on a clock the test moves."""
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db",
        api={"login_max_failures": MAX_FAILURES, "login_window_s": WINDOW_S},
        security={"refresh_token_ttl_s": 7_200},
    )
    clock = ShiftedClock()
    container = Container(settings, clock=clock)
    try:
        async for harness in serve(create_app(settings, container=container)):
            yield harness, clock
    finally:
        await container.aclose()


async def _try(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


def _assert_locked(r: httpx.Response) -> int:
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "rate_limited"
    retry = int(r.headers["retry-after"])
    assert 1 <= retry <= WINDOW_S
    return retry


async def test_repeated_failures_lock_the_login(guarded: ApiHarness) -> None:
    client = guarded.client
    await guarded.user("victim@example.com", password=PASSWORD)
    for _ in range(MAX_FAILURES):
        assert (await _try(client, "victim@example.com", "Wrong pass 1")).status_code == 401
    # Locked: even the right password is refused, without being checked.
    _assert_locked(await _try(client, "victim@example.com", PASSWORD))
    _assert_locked(await _try(client, "VICTIM@example.com", "Wrong pass 1"))


async def test_unknown_emails_lock_exactly_like_known_ones(guarded: ApiHarness) -> None:
    client = guarded.client
    for _ in range(MAX_FAILURES):
        r = await _try(client, "nobody@example.com", "Wrong pass 1")
        assert r.status_code == 401
        assert r.json() == {
            "error": {"code": "unauthorized", "message": "invalid or missing credentials"}
        }
    _assert_locked(await _try(client, "nobody@example.com", "Wrong pass 1"))


async def test_one_address_guessing_many_accounts_is_locked(guarded: ApiHarness) -> None:
    client = guarded.client
    await guarded.user("target@example.com", password=PASSWORD)
    for i in range(MAX_FAILURES):
        assert (await _try(client, f"spray{i}@example.com", "Wrong pass 1")).status_code == 401
    # A fresh e-mail from the same client address is refused too.
    _assert_locked(await _try(client, "target@example.com", PASSWORD))


async def test_a_success_clears_the_email_count(guarded: ApiHarness) -> None:
    client = guarded.client
    await guarded.user("forgetful@example.com", password=PASSWORD)
    for _ in range(MAX_FAILURES - 1):
        assert (await _try(client, "forgetful@example.com", "Wrong pass 1")).status_code == 401
    assert (await _try(client, "forgetful@example.com", PASSWORD)).status_code == 200
    # The e-mail's count restarted; the address's did not, so one more failure locks.
    assert (await _try(client, "forgetful@example.com", "Wrong pass 1")).status_code == 401
    _assert_locked(await _try(client, "forgetful@example.com", PASSWORD))


async def test_password_change_guessing_counts_as_failed_logins(guarded: ApiHarness) -> None:
    client = guarded.client
    _, headers = await guarded.user("stolen@example.com", password=PASSWORD)
    body = {"current_password": "Guess pass 1", "new_password": "Attacker pass 2"}
    for _ in range(MAX_FAILURES):
        r = await client.post("/api/v1/me/password", json=body, headers=headers)
        assert r.status_code == 403
    right = {"current_password": PASSWORD, "new_password": "Attacker pass 2"}
    _assert_locked(await client.post("/api/v1/me/password", json=right, headers=headers))
    _assert_locked(await _try(client, "stolen@example.com", PASSWORD))


async def test_the_lock_opens_when_the_window_closes(
    simulated: tuple[ApiHarness, ShiftedClock],
) -> None:
    api, clock = simulated
    await api.user("patient@example.com", password=PASSWORD)
    for _ in range(MAX_FAILURES):
        assert (await _try(api.client, "patient@example.com", "Wrong pass 1")).status_code == 401
    clock.advance(20)
    assert _assert_locked(await _try(api.client, "patient@example.com", PASSWORD)) == WINDOW_S - 20
    clock.advance(WINDOW_S - 20)
    assert (await _try(api.client, "patient@example.com", PASSWORD)).status_code == 200


async def test_access_and_refresh_tokens_expire(
    simulated: tuple[ApiHarness, ShiftedClock],
) -> None:
    api, clock = simulated
    client = api.client
    await api.user("mortal@example.com", password=PASSWORD)
    pair = (await _try(client, "mortal@example.com", PASSWORD)).json()
    access = {"Authorization": f"Bearer {pair['access_token']}"}
    assert pair["refresh_expires_in"] == 7_200

    # Token times are whole seconds and real time passes too: keep a second of margin.
    clock.advance(api.state.settings.security.access_token_ttl_s - 2)
    assert (await client.get("/api/v1/me", headers=access)).status_code == 200
    clock.advance(2)
    assert (await client.get("/api/v1/me", headers=access)).status_code == 401

    # Refreshing slides the refresh token's expiry forward.
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 200
    fresh = r.json()
    fresh_access = {"Authorization": f"Bearer {fresh['access_token']}"}
    assert (await client.get("/api/v1/me", headers=fresh_access)).status_code == 200
    clock.advance(7_190)
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    ).status_code == 401
    kept = await client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert kept.status_code == 200
    clock.advance(7_200)
    expired = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": kept.json()["refresh_token"]}
    )
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "unauthorized"


async def test_unknown_email_costs_what_a_wrong_password_costs(tmp_path: Path) -> None:
    # A real Argon2 cost (tens of ms) so that skipping the hash would show clearly.
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db",
        api={"login_max_failures": 1_000},
        security={"argon2_time_cost": 2, "argon2_memory_kib": 32_768},
    )
    async for api in serve(create_app(settings)):
        await api.user("timed@example.com", password=PASSWORD)
        await _median_failure_s(api.client, "nobody@example.com")  # the decoy is made here
        known = await _median_failure_s(api.client, "timed@example.com")
        unknown = await _median_failure_s(api.client, "nobody@example.com")
        assert 0.5 < unknown / known < 2.0, (known, unknown)


async def _median_failure_s(client: httpx.AsyncClient, email: str) -> float:
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        assert (await _try(client, email, "Wrong pass 1")).status_code == 401
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
