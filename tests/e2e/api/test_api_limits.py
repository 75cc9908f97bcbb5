"""Abuse limits over HTTP: body size and shape, rate limits by plan and address,
Idempotency-Key replays, on SQLite + memory and on PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from api_harness import ApiHarness, api_settings, serve
from fastapi import APIRouter, FastAPI

from simbiot.api.app import create_app
from simbiot.api.deps import CurrentUser
from simbiot.config import Settings


def _probe_app(settings: Settings) -> tuple[FastAPI, list[dict[str, Any]]]:
    """The API plus one order-like probe route that records every call it handles."""
    calls: list[dict[str, Any]] = []
    router = APIRouter()

    @router.post("/probe", status_code=201)
    async def probe(body: dict[str, Any], caller: CurrentUser) -> dict[str, Any]:
        calls.append(body)
        if body.get("slow"):
            await asyncio.sleep(float(body["slow"]))
        if body.get("crash"):
            raise RuntimeError("probe crashed")
        return {"n": len(calls), "user": caller.id, "echo": body}

    @router.get("/probe")
    async def probe_get(caller: CurrentUser) -> dict[str, int]:
        return {"user": caller.id}

    @router.get("/public")
    async def public() -> dict[str, bool]:
        return {"ok": True}

    app = create_app(settings)
    app.include_router(router, prefix="/api/v1")
    return app, calls


def _settings(request: pytest.FixtureRequest, tmp_path: Path, **sections: Any) -> Settings:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/limits.db"
        return api_settings(tmp_path, database_url=url, **sections)
    pg: str = request.getfixturevalue("postgres_url")
    redis: str = request.getfixturevalue("redis_url")
    return api_settings(tmp_path, database_url=pg, redis_url=redis, **sections)


@pytest.fixture(params=["sqlite", "postgres"])
def probe_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    api = {"max_body_bytes": 2048, "max_json_depth": 8, "anonymous_rate_per_minute": 5}
    return _settings(request, tmp_path, api=api)


@pytest.fixture
async def probe(probe_settings: Settings) -> AsyncIterator[tuple[ApiHarness, list[dict[str, Any]]]]:
    app, calls = _probe_app(probe_settings)
    async for harness in serve(app):
        yield harness, calls


async def test_a_body_over_the_limit_is_refused_before_the_handler(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, calls = probe
    _, auth = await api.user()
    r = await api.client.post("/api/v1/probe", json={"x": "a" * 4000}, headers=auth)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert calls == []


async def test_a_chunked_body_over_the_limit_is_refused(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, calls = probe
    _, auth = await api.user()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"x": "'
        for _ in range(10):
            yield b"a" * 500
        yield b'"}'

    headers = {**auth, "Content-Type": "application/json"}
    r = await api.client.post("/api/v1/probe", content=chunks(), headers=headers)
    assert "content-length" not in r.request.headers
    assert r.status_code == 413
    assert calls == []


async def test_a_body_within_the_limit_reaches_the_handler(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, calls = probe
    _, auth = await api.user()
    r = await api.client.post("/api/v1/probe", json={"x": [1, [2, [3]]]}, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["echo"] == {"x": [1, [2, [3]]]}
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b'{"a": 1e309}', 422, "invalid_json"),
        (b'{"a": -1e400}', 422, "invalid_json"),
        (b'{"a": NaN}', 422, "invalid_json"),
        (b'{"a": Infinity}', 422, "invalid_json"),
        (b'{"a": ', 422, "invalid_json"),
        (b'{"a": ' + b"[" * 20 + b"]" * 20 + b"}", 413, "json_too_deep"),
    ],
)
async def test_bad_json_is_refused_and_nothing_runs(
    probe: tuple[ApiHarness, list[dict[str, Any]]], raw: bytes, status: int, code: str
) -> None:
    api, calls = probe
    _, auth = await api.user()
    headers = {**auth, "Content-Type": "application/json"}
    r = await api.client.post("/api/v1/probe", content=raw, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert calls == []


async def test_brackets_inside_strings_do_not_count_as_depth(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, _ = probe
    _, auth = await api.user()
    r = await api.client.post("/api/v1/probe", json={"s": '[[[[[[[[[[[[{{{{{{{\\"'}, headers=auth)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_that_is_not_json_gets_415(
    probe: tuple[ApiHarness, list[dict[str, Any]]], content_type: str
) -> None:
    api, calls = probe
    _, auth = await api.user()
    headers = {**auth, "Content-Type": content_type}
    r = await api.client.post("/api/v1/probe", content=b'{"a": 1}', headers=headers)
    assert r.status_code == 415
    assert r.json()["error"]["code"] == "unsupported_media_type"
    assert calls == []


async def test_anonymous_clients_are_limited_per_address(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, _ = probe
    answers = [await api.client.get("/api/v1/public") for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    first, refused = answers[0], answers[-1]
    assert first.headers["x-ratelimit-limit"] == "5"
    assert first.headers["x-ratelimit-remaining"] == "4"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 12
    assert refused.headers["x-ratelimit-remaining"] == "0"
    # Probes outside the API prefix are never limited.
    assert (await api.client.get("/health")).status_code == 200
    assert "x-ratelimit-limit" not in (await api.client.get("/health")).headers


@pytest.fixture(params=["sqlite", "postgres"])
def tight_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    free = {"price": 0, "entitlements": {"api_rate_per_minute": 3}}
    pro = {"price": 10, "entitlements": {"api_rate_per_minute": 8}}
    settings = _settings(
        request,
        tmp_path,
        api={"anonymous_rate_per_minute": 1000},
        billing={"plans": {"free": free, "pro": pro}},
    )
    return settings


@pytest.fixture
async def tight_plan(
    tight_settings: Settings,
) -> AsyncIterator[tuple[ApiHarness, list[dict[str, Any]]]]:
    app, calls = _probe_app(tight_settings)
    async for harness in serve(app):
        yield harness, calls


async def test_each_user_gets_the_rate_of_their_plan(
    tight_plan: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    from datetime import timedelta

    from simbiot.storage.tables import SubscriptionRow

    api, _ = tight_plan
    _, free_auth = await api.user()
    pro_id, pro_auth = await api.user()
    now = api.state.container.clock.now()
    async with api.state.container.database.transaction() as session:
        session.add(
            SubscriptionRow(
                user_id=pro_id,
                plan="pro",
                status="active",
                period_start=now - timedelta(days=1),
                period_end=now + timedelta(days=29),
                auto_renew=True,
            )
        )
    free = [
        (await api.client.get("/api/v1/probe", headers=free_auth)).status_code for _ in range(4)
    ]
    pro = [(await api.client.get("/api/v1/probe", headers=pro_auth)).status_code for _ in range(9)]
    assert free == [200, 200, 200, 429]
    assert pro == [200] * 8 + [429]
    # One user's pool is not another's: the free user's exhaustion did not touch pro's.
    r = await api.client.get("/api/v1/probe", headers=free_auth)
    assert r.status_code == 429
    assert r.headers["x-ratelimit-limit"] == "3"


async def test_a_retry_with_the_same_key_replays_the_first_answer(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, calls = probe
    _, auth = await api.user()
    headers = {**auth, "Idempotency-Key": "order-" + uuid.uuid4().hex}
    first = await api.client.post("/api/v1/probe", json={"qty": 1}, headers=headers)
    again = await api.client.post("/api/v1/probe", json={"qty": 1}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(calls) == 1


async def test_the_same_key_with_another_request_is_refused(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, calls = probe
    _, auth = await api.user()
    headers = {**auth, "Idempotency-Key": "k-reuse"}
    assert (await api.client.post("/api/v1/probe", json={"qty": 1}, headers=headers)).is_success
    r = await api.client.post("/api/v1/probe", json={"qty": 2}, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "idempotency_key_reused"
    assert len(calls) == 1


async def test_keys_belong_to_one_user(probe: tuple[ApiHarness, list[dict[str, Any]]]) -> None:
    api, calls = probe
    _, alice = await api.user()
    _, bob = await api.user()
    a = await api.client.post(
        "/api/v1/probe", json={"q": 1}, headers={**alice, "Idempotency-Key": "same"}
    )
    b = await api.client.post(
        "/api/v1/probe", json={"q": 1}, headers={**bob, "Idempotency-Key": "same"}
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["user"] != b.json()["user"]
    assert "idempotent-replayed" not in b.headers
    assert len(calls) == 2


async def test_a_duplicate_while_the_first_runs_gets_409(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, calls = probe
    _, auth = await api.user()
    headers = {**auth, "Idempotency-Key": "slow-one"}
    first = asyncio.create_task(
        api.client.post("/api/v1/probe", json={"slow": 0.8}, headers=headers)
    )
    await asyncio.sleep(0.3)
    dup = await api.client.post("/api/v1/probe", json={"slow": 0.8}, headers=headers)
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "idempotency_in_flight"
    assert (await first).status_code == 201
    assert len(calls) == 1


async def test_a_crashed_request_releases_its_key(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, calls = probe
    _, auth = await api.user()
    headers = {**auth, "Idempotency-Key": "crashes"}
    r1 = await api.client.post("/api/v1/probe", json={"crash": True}, headers=headers)
    r2 = await api.client.post("/api/v1/probe", json={"crash": True}, headers=headers)
    assert r1.status_code == r2.status_code == 500
    assert "idempotent-replayed" not in r2.headers
    assert len(calls) == 2


async def test_a_bad_key_or_no_token(probe: tuple[ApiHarness, list[dict[str, Any]]]) -> None:
    api, calls = probe
    _, auth = await api.user()
    r = await api.client.post(
        "/api/v1/probe", json={"q": 1}, headers={**auth, "Idempotency-Key": "x" * 200}
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_idempotency_key"
    anon = await api.client.post("/api/v1/probe", json={"q": 1}, headers={"Idempotency-Key": "a"})
    assert anon.status_code == 401
    assert calls == []


async def test_an_expired_key_is_used_afresh_and_purged(tmp_path: Path) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from simbiot.api.limits import IdempotencyPurger
    from simbiot.storage.tables import IdempotencyRow

    settings = api_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/e.db")
    app, calls = _probe_app(settings)
    async for api in serve(app):
        _, auth = await api.user()
        headers = {**auth, "Idempotency-Key": "old"}
        assert (await api.client.post("/api/v1/probe", json={"q": 1}, headers=headers)).is_success
        db = api.state.container.database
        ttl = settings.api.idempotency_ttl_s
        async with db.transaction() as session:
            await session.execute(
                update(IdempotencyRow).values(
                    created_at=api.state.container.clock.now() - timedelta(seconds=ttl + 5)
                )
            )
        # Expired: the same key with another request runs as a new one.
        r = await api.client.post("/api/v1/probe", json={"q": 2}, headers=headers)
        assert r.status_code == 201
        assert "idempotent-replayed" not in r.headers
        assert len(calls) == 2
        async with db.transaction() as session:
            await session.execute(
                update(IdempotencyRow).values(
                    created_at=api.state.container.clock.now() - timedelta(seconds=ttl + 5)
                )
            )
        purger = IdempotencyPurger(db, api.state.container.clock, ttl_s=ttl, interval_s=60)
        assert await purger.purge_once(batch=1) == 1
        async with db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(IdempotencyRow)) == 0


async def test_requests_without_a_key_are_not_recorded(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    api, calls = probe
    _, auth = await api.user()
    for _ in range(2):
        assert (await api.client.post("/api/v1/probe", json={"q": 1}, headers=auth)).is_success
    assert len(calls) == 2


async def test_an_unreachable_rate_counter_lets_requests_through(tmp_path: Path) -> None:
    from simbiot.api.limits.gcra import RedisRateCounter
    from simbiot.api.limits.runtime import runtime_of
    from simbiot.cache.redis_support import make_client

    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/down.db",
        api={"anonymous_rate_per_minute": 1},
    )
    app, _ = _probe_app(settings)
    async for api in serve(app):
        runtime = runtime_of(api.state)
        assert runtime is not None
        await runtime.counter.aclose()
        client = make_client(
            "redis://127.0.0.1:1/0",
            max_connections=2,
            socket_timeout_s=1,
            connect_timeout_s=1,
            pool_timeout_s=1,
        )
        runtime.counter = RedisRateCounter(client, "down:")
        answers = [await api.client.get("/api/v1/public") for _ in range(3)]
        assert [r.status_code for r in answers] == [200, 200, 200]
        assert "x-ratelimit-limit" not in answers[0].headers


async def test_an_answer_refused_for_the_caller_is_not_replayed(
    probe: tuple[ApiHarness, list[dict[str, Any]]],
) -> None:
    from simbiot.storage.repositories import users

    api, calls = probe
    user_id, auth = await api.user()
    headers = {**auth, "Idempotency-Key": "while-inactive"}
    async with api.state.container.database.transaction() as session:
        await users.set_active(session, user_id=user_id, is_active=False)
    assert (
        await api.client.post("/api/v1/probe", json={"q": 1}, headers=headers)
    ).status_code == 401
    async with api.state.container.database.transaction() as session:
        await users.set_active(session, user_id=user_id, is_active=True)
    r = await api.client.post("/api/v1/probe", json={"q": 1}, headers=headers)
    assert r.status_code == 201
    assert "idempotent-replayed" not in r.headers
    assert len(calls) == 1
