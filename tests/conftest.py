"""Shared fixtures: real PostgreSQL and Redis from this machine, isolated per test run.

URLs come from SIMBIOT_TEST_REDIS_URL and SIMBIOT_TEST_POSTGRES_URL (localhost defaults).
Under CI (CI=true) an unreachable service fails the run; elsewhere those tests are skipped
with the reason.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

REDIS_URL = os.environ.get("SIMBIOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "SIMBIOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def _require(url: str, port: int, what: str) -> None:
    if _reachable(url, port):
        return
    message = f"{what} is not reachable at {url}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI needs it)")
    pytest.skip(message)


@pytest.fixture
def redis_url() -> str:
    """URL of the real Redis server (test skipped outside CI when it is down)."""
    _require(REDIS_URL, 6379, "Redis")
    return REDIS_URL


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix unique to this test, so parallel runs never collide."""
    return f"simbiot-test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    _require(POSTGRES_URL, 5432, "PostgreSQL")
    return POSTGRES_URL


@pytest.fixture
async def postgres_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards."""
    import asyncpg

    parsed = urlparse(postgres_server_url.replace("+asyncpg", ""))
    admin_dsn = parsed._replace(path="/postgres").geturl()
    name = f"simbiot_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield postgres_server_url.rsplit("/", 1)[0] + f"/{name}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file in this test's temporary directory."""
    return f"sqlite+aiosqlite:///{tmp_path / 'simbiot.db'}"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real market data directory; tests needing it skip when it is absent."""
    if not (SHARED_DATA / "ohlcv").is_dir():
        pytest.skip(f"real market data not found at {SHARED_DATA}")
    return SHARED_DATA
