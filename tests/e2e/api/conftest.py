"""A real API server per test, over SQLite + memory or PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.api.app import create_app
from simbiot.config import Settings


@pytest.fixture(params=["sqlite", "postgres"])
def api_config(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on SQLite with the in-memory cache, then on PostgreSQL with Redis."""
    if request.param == "sqlite":
        return api_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db")
    pg: str = request.getfixturevalue("postgres_url")
    redis: str = request.getfixturevalue("redis_url")
    return api_settings(tmp_path, database_url=pg, redis_url=redis)


@pytest.fixture
async def api(api_config: Settings) -> AsyncIterator[ApiHarness]:
    """The API on each backend pair of ``api_config``."""
    async for harness in serve(create_app(api_config)):
        yield harness


@pytest.fixture
async def api_sqlite(tmp_path: Path) -> AsyncIterator[ApiHarness]:
    """The API on SQLite with the in-memory cache only (fast)."""
    settings = api_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/api.db")
    async for harness in serve(create_app(settings)):
        yield harness
