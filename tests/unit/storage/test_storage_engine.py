"""Engine construction: backends, SQLite pragmas, configuration errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from simbiot.config.sections import DatabaseSettings
from simbiot.domain.errors import ConfigError
from simbiot.storage.engine import create_engine, create_session_factory, is_sqlite


async def test_sqlite_file_gets_wal_foreign_keys_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "db.sqlite"
    engine = create_engine(
        f"sqlite+aiosqlite:///{path}", DatabaseSettings(sqlite_busy_timeout_ms=1234)
    )
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 1234
    finally:
        await engine.dispose()
    assert path.exists()


async def test_sqlite_savepoint_rolls_back_inside_a_transaction(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", DatabaseSettings())
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))
            nested = await conn.begin_nested()
            await conn.execute(text("INSERT INTO t VALUES (2)"))
            await nested.rollback()
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT v FROM t"))).scalars().all() == [1]
    finally:
        await engine.dispose()


async def test_sqlite_in_memory(tmp_path: Path) -> None:
    engine = create_engine("sqlite+aiosqlite://", DatabaseSettings())
    factory = create_session_factory(engine)
    try:
        async with factory() as session:
            assert (await session.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


def test_postgres_pool_settings() -> None:
    settings = DatabaseSettings(pool_size=3, max_overflow=4, pool_timeout_s=2.5)
    engine = create_engine("postgresql+asyncpg://u@127.0.0.1/db", settings)
    pool = engine.sync_engine.pool
    assert pool.size() == 3  # type: ignore[attr-defined]
    assert pool._max_overflow == 4  # type: ignore[attr-defined]
    assert pool._timeout == 2.5  # type: ignore[attr-defined]
    assert pool._pre_ping is True


@pytest.mark.parametrize("url", ["mysql+aiomysql://u@h/db", "not a url"])
def test_unsupported_or_invalid_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError):
        create_engine(url, DatabaseSettings())


def test_is_sqlite() -> None:
    assert is_sqlite("sqlite+aiosqlite:///x.db")
    assert not is_sqlite("postgresql+asyncpg://u@h/db")
