"""Build the async engine and session factory for PostgreSQL (asyncpg) or SQLite (aiosqlite)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from simbiot.config.sections import DatabaseSettings
from simbiot.domain.errors import ConfigError

__all__ = ["READ_ONLY_OPTION", "create_engine", "create_session_factory", "is_sqlite"]

# Execution option marking connections that only read (see ``Database.read``).
READ_ONLY_OPTION = "simbiot_read_only"


def is_sqlite(url: str) -> bool:
    """Return whether ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, settings: DatabaseSettings) -> AsyncEngine:
    """Return an async engine for ``url`` tuned by ``settings``.

    SQLite gets WAL, foreign keys, a busy timeout and real transactions (SQLAlchemy emits
    BEGIN IMMEDIATE itself, so SAVEPOINT and transactional DDL work and writers queue on the
    busy timeout); its parent directory is created.
    PostgreSQL gets a sized, pre-pinged connection pool.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"invalid database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database, settings)
    if backend == "postgresql":
        return _create_async_engine(
            url,
            echo=settings.echo,
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_timeout=settings.pool_timeout_s,
            pool_pre_ping=settings.pool_pre_ping,
            pool_recycle=settings.pool_recycle_s,
        )
    raise ConfigError(f"unsupported database backend {backend!r}: use postgresql or sqlite")


def _sqlite_engine(url: str, database: str | None, settings: DatabaseSettings) -> AsyncEngine:
    in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
    if not in_memory and database is not None:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = _create_async_engine(
        url,
        echo=settings.echo,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
    )
    busy_ms = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Hand transaction control to SQLAlchemy: the driver's legacy mode skips BEGIN for
        # SELECT, DDL and SAVEPOINT, which breaks nested transactions and migrations.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # NORMAL is durable across application crashes under WAL; only an OS crash
                # can lose the last commits.
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads, then
        # writes after another writer committed, fails at once with "database is locked"
        # (its WAL snapshot is stale) instead of waiting out the busy timeout.
        # Read-only work (``Database.read``) begins deferred: under WAL it reads a snapshot
        # without queueing behind writers.
        if conn.get_execution_options().get(READ_ONLY_OPTION):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory; rows stay readable after commit (no lazy reload)."""
    return async_sessionmaker(engine, expire_on_commit=False)
