"""One database for a process: engine, session factory, migrations at start-up, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from simbiot.config.sections import DatabaseSettings
from simbiot.domain.errors import StorageError
from simbiot.storage.engine import READ_ONLY_OPTION, create_engine, create_session_factory
from simbiot.storage.errors import translated
from simbiot.storage.migrate import upgrade_async

__all__ = ["Database"]


class Database:
    """The engine and sessions of one database; built by the composition root."""

    def __init__(self, url: str, settings: DatabaseSettings) -> None:
        self._url = url
        self._settings = settings
        self._engine = create_engine(url, settings)
        self._sessions = create_session_factory(self._engine)
        # Same pool; connections checked out through it begin read-only transactions.
        self._readers = create_session_factory(
            self._engine.execution_options(**{READ_ONLY_OPTION: True})
        )

    @property
    def engine(self) -> AsyncEngine:
        """The async engine (for code that needs a raw connection)."""
        return self._engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The session factory handed to services."""
        return self._sessions

    async def start(self) -> None:
        """Migrate to the newest schema when ``auto_migrate`` is on, then check the link."""
        if self._settings.auto_migrate:
            await upgrade_async(self._url, settings=self._settings)
        if not await self.ping():
            raise StorageError("database did not answer after start-up")

    async def ping(self) -> bool:
        """Return whether the database answers a trivial query (health checks)."""
        try:
            async with translated("ping"), self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except StorageError:
            return False
        return True

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Yield a session inside a transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """Yield a session for reads only. On SQLite it begins deferred, so it reads a WAL
        snapshot instead of queueing for the write lock as :meth:`transaction` does;
        elsewhere it is an ordinary transaction. Writing through it is a mistake: on SQLite
        it may fail with "database is locked" under contention."""
        async with self._readers() as session, session.begin():
            yield session

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()
