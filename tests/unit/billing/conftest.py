"""Billing fixtures: a migrated database (SQLite, or PostgreSQL where asked) and a world."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from billing_world import SECRET, START, World, billing_settings

from simbiot.billing.sandbox import SandboxProvider
from simbiot.config.sections import DatabaseSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.storage.database import Database


async def _world(url: str) -> AsyncIterator[World]:
    database = Database(url, DatabaseSettings(auto_migrate=True, pool_size=4, max_overflow=4))
    await database.start()
    settings = billing_settings()
    provider = SandboxProvider(
        secret=SECRET,
        tolerance_s=settings.webhook_tolerance_s,
        checkout_base="/api/v1/billing/sandbox/checkouts",
    )
    clock = SimulatedClock(int(START.timestamp() * 1000))
    try:
        yield World(database, clock, settings, provider)
    finally:
        await database.close()


@pytest.fixture
async def world(sqlite_url: str) -> AsyncIterator[World]:
    """A billing world on SQLite."""
    async for w in _world(sqlite_url):
        yield w


@pytest.fixture
async def pg_world(postgres_url: str) -> AsyncIterator[World]:
    """A billing world on PostgreSQL, for concurrency."""
    async for w in _world(postgres_url):
        yield w
