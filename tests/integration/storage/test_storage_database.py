"""The Database holder: start-up migration, transactions, health."""

from __future__ import annotations

import pytest

from simbiot.config.sections import DatabaseSettings
from simbiot.domain.errors import NotFound, StorageError
from simbiot.storage import migrate
from simbiot.storage.database import Database
from simbiot.storage.repositories import users


async def _create_then_fail(db: Database) -> None:
    async with db.transaction() as session:
        await users.create(session, email="gone@x.io", password_hash="h")
        raise RuntimeError("abort")


async def test_start_migrates_and_transactions_commit_or_roll_back(db_url: str) -> None:
    db = Database(db_url, DatabaseSettings(auto_migrate=True))
    try:
        await db.start()
        assert await migrate.current_async(db_url) == migrate.head()
        assert await db.ping()

        async with db.transaction() as session:
            kept = await users.create(session, email="k@x.io", password_hash="h")
        with pytest.raises(RuntimeError, match="abort"):
            await _create_then_fail(db)
        async with db.sessions() as session:
            assert (await users.get(session, user_id=kept.id)).email == "k@x.io"
            with pytest.raises(NotFound):
                await users.get_by_email(session, email="gone@x.io")
    finally:
        await db.close()


async def test_start_without_auto_migrate_leaves_schema_alone(sqlite_url: str) -> None:
    db = Database(sqlite_url, DatabaseSettings(auto_migrate=False))
    try:
        await db.start()
        assert await migrate.current_async(sqlite_url) is None
    finally:
        await db.close()


async def test_ping_is_false_when_the_server_is_unreachable() -> None:
    db = Database("postgresql+asyncpg://postgres@127.0.0.1:1/x", DatabaseSettings())
    try:
        assert await db.ping() is False
    finally:
        await db.close()


async def test_start_fails_clearly_when_the_database_is_down() -> None:
    db = Database(
        "postgresql+asyncpg://postgres@127.0.0.1:1/x", DatabaseSettings(auto_migrate=False)
    )
    try:
        with pytest.raises(StorageError, match="did not answer"):
            await db.start()
    finally:
        await db.close()


async def test_reads_do_not_queue_behind_a_writer_on_sqlite(sqlite_url: str) -> None:
    """A read transaction reads the last committed snapshot while a writer holds the lock;
    a write transaction waits for the lock (and gives up after the busy timeout)."""
    db = Database(sqlite_url, DatabaseSettings(sqlite_busy_timeout_ms=300))
    try:
        await db.start()
        async with db.transaction() as session:
            await users.create(session, email="before@x.io", password_hash="h")
        async with db.transaction() as writer:
            await users.create(writer, email="during@x.io", password_hash="h")
            await writer.flush()
            async with db.read() as reader:
                emails = [u.email for u in await users.page(reader, limit=10)]
            assert emails == ["before@x.io"]
            with pytest.raises(StorageError):
                async with db.transaction() as blocked:
                    await users.create(blocked, email="blocked@x.io", password_hash="h")
        async with db.read() as reader:
            emails = sorted(u.email for u in await users.page(reader, limit=10))
        assert emails == ["before@x.io", "during@x.io"]
    finally:
        await db.close()


async def test_read_sessions_see_committed_rows(db_url: str) -> None:
    db = Database(db_url, DatabaseSettings())
    try:
        await db.start()
        async with db.transaction() as session:
            row = await users.create(session, email="r@x.io", password_hash="h")
        async with db.read() as session:
            assert (await users.get(session, user_id=row.id)).email == "r@x.io"
    finally:
        await db.close()
