"""Apply, revert and inspect the schema migrations shipped in ``storage/migrations``.

Each function comes in two forms: ``upgrade`` (blocking; safe to call from plain code or
from inside a running event loop, where it runs in a worker thread) and ``upgrade_async``
(awaitable, for code that is already async).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from simbiot.config.sections import DatabaseSettings
from simbiot.domain.errors import StorageError
from simbiot.storage.engine import create_engine

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "current",
    "current_async",
    "downgrade",
    "downgrade_async",
    "head",
    "upgrade",
    "upgrade_async",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_T = TypeVar("_T")


def alembic_config(url: str) -> Config:
    """Return an Alembic config for the shipped migrations and ``url`` (no .ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates "%": escape it, or a URL-encoded password breaks.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def _with_connection(
    url: str, settings: DatabaseSettings | None, action: Callable[[Connection], _T]
) -> _T:
    engine = create_engine(url, settings or DatabaseSettings())
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(action)
    except CommandError as exc:
        raise StorageError(f"migration failed: {exc}") from exc
    except (SQLAlchemyError, OSError) as exc:
        raise StorageError(f"migration failed on the database: {exc}") from exc
    finally:
        await engine.dispose()


def _alembic(url: str, run: Callable[[Config], None]) -> Callable[[Connection], None]:
    def action(connection: Connection) -> None:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        run(cfg)

    return action


async def upgrade_async(
    url: str, revision: str = "head", *, settings: DatabaseSettings | None = None
) -> None:
    """Migrate the database at ``url`` up to ``revision``."""
    await _with_connection(url, settings, _alembic(url, lambda c: command.upgrade(c, revision)))


async def downgrade_async(
    url: str, revision: str, *, settings: DatabaseSettings | None = None
) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``"base"`` drops everything)."""
    await _with_connection(url, settings, _alembic(url, lambda c: command.downgrade(c, revision)))


async def current_async(url: str, *, settings: DatabaseSettings | None = None) -> str | None:
    """Return the database's revision, or None when it has never been migrated."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    return await _with_connection(url, settings, read)


def head() -> str:
    """Return the newest revision shipped with this version of Simbiot."""
    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if revision is None:  # pragma: no cover - the package always ships a revision
        raise StorageError("no migrations found")
    return revision


def _blocking(coro: Coroutine[Any, Any, _T]) -> _T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from inside a loop: asyncio.run would refuse, so run on a fresh loop in a thread.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="migrate") as pool:
        return pool.submit(asyncio.run, coro).result()


def upgrade(url: str, revision: str = "head", *, settings: DatabaseSettings | None = None) -> None:
    """Migrate up to ``revision``, blocking until done."""
    _blocking(upgrade_async(url, revision, settings=settings))


def downgrade(url: str, revision: str, *, settings: DatabaseSettings | None = None) -> None:
    """Migrate down to ``revision``, blocking until done."""
    _blocking(downgrade_async(url, revision, settings=settings))


def current(url: str, *, settings: DatabaseSettings | None = None) -> str | None:
    """Return the database's revision (None before the first migration), blocking."""
    return _blocking(current_async(url, settings=settings))
