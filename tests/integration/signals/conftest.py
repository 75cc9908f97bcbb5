"""Signal integration fixtures: a migrated database of each kind."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from simbiot.config.sections import DatabaseSettings
from simbiot.storage.database import Database

# The blacklist cases and market frames of the unit tests run unchanged against Redis and
# the databases here; they live beside the unit tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "signals"))


@pytest.fixture(params=["sqlite", "postgresql"])
def signals_db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database of each kind."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def database(signals_db_url: str) -> AsyncIterator[Database]:
    """A started (migrated) database on SQLite and on a fresh PostgreSQL database."""
    db = Database(signals_db_url, DatabaseSettings(pool_size=2, max_overflow=2, auto_migrate=True))
    await db.start()
    yield db
    await db.close()
