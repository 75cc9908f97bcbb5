"""Storage fixtures: every contract test runs on SQLite and on a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from simbiot.config.sections import DatabaseSettings
from simbiot.security.secrets import CredentialCipher
from simbiot.storage.engine import create_engine, create_session_factory
from simbiot.storage.migrate import upgrade_async


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database of each kind."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to head."""
    await upgrade_async(db_url)
    eng = create_engine(db_url, DatabaseSettings(pool_size=2, max_overflow=2))
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory on the migrated database."""
    return create_session_factory(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session; tests commit when they need to see data from another session."""
    async with sessions() as s:
        yield s


@pytest.fixture
def cipher() -> CredentialCipher:
    """A cipher with two keys, ``k1`` active."""
    return CredentialCipher({"k1": b"\x01" * 32, "k2": b"\x02" * 32}, "k1")
