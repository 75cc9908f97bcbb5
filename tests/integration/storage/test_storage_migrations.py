"""Migrations go up, down to base and up again on both databases, and match the tables."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from simbiot.config.sections import DatabaseSettings
from simbiot.domain.errors import StorageError
from simbiot.storage import migrate
from simbiot.storage.engine import create_engine
from simbiot.storage.tables import Base

EXPECTED = {t.name for t in Base.metadata.sorted_tables}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, DatabaseSettings())
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    return names - {"alembic_version"}


async def _diff(url: str) -> list[object]:
    def compare(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(url, DatabaseSettings())
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_up_down_up(db_url: str) -> None:
    assert await migrate.current_async(db_url) is None
    await migrate.upgrade_async(db_url)
    assert await migrate.current_async(db_url) == migrate.head()
    assert await _tables(db_url) == EXPECTED

    await migrate.downgrade_async(db_url, "base")
    assert await migrate.current_async(db_url) is None
    assert await _tables(db_url) == set()

    await migrate.upgrade_async(db_url, "head")
    assert await _tables(db_url) == EXPECTED


async def test_migrated_schema_matches_the_tables(db_url: str) -> None:
    await migrate.upgrade_async(db_url)
    assert await _diff(db_url) == []


async def test_blocking_api_works_inside_a_running_loop(db_url: str) -> None:
    # A sync caller inside an event loop (e.g. a start-up hook) must not hit
    # "asyncio.run() cannot be called from a running event loop".
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == migrate.head()
    migrate.downgrade(db_url, "base")
    assert migrate.current(db_url) is None


def test_blocking_api_without_a_loop(sqlite_url: str) -> None:
    migrate.upgrade(sqlite_url)
    assert migrate.current(sqlite_url) == migrate.head()
    assert asyncio.run(_tables(sqlite_url)) == EXPECTED


async def test_unknown_revision_is_a_storage_error(sqlite_url: str) -> None:
    with pytest.raises(StorageError, match="migration failed"):
        await migrate.upgrade_async(sqlite_url, "nonexistent")


async def test_unreachable_database_is_a_storage_error() -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    with pytest.raises(StorageError):
        await migrate.current_async(url, settings=DatabaseSettings(pool_timeout_s=1))


def test_env_opens_its_own_engine_when_driven_by_alembic(sqlite_url: str) -> None:
    # The path taken by a bare `alembic upgrade head` with the URL in the config.
    command.upgrade(migrate.alembic_config(sqlite_url), "head")
    assert migrate.current(sqlite_url) == migrate.head()


def test_offline_mode_renders_sql_for_a_dba(capsys: pytest.CaptureFixture[str]) -> None:
    command.upgrade(migrate.alembic_config("postgresql+asyncpg://u@h/db"), "head", sql=True)
    script = capsys.readouterr().out
    assert "CREATE TABLE users" in script
    assert "NUMERIC(38, 18)" in script
    assert "uq_orders_exchange_account_ref_client_order_id" in script
