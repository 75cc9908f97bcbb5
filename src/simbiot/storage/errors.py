"""Translate database driver errors into :mod:`simbiot.domain.errors`, in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict, StorageError

__all__ = ["savepoint", "translated"]


@asynccontextmanager
async def translated(what: str) -> AsyncIterator[None]:
    """Raise ``Conflict`` for constraint violations and ``StorageError`` for lost databases."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(f"{what}: {exc.orig}") from exc
    except (OperationalError, InterfaceError) as exc:
        raise StorageError(f"{what}: database unavailable: {exc.orig}") from exc
    except PoolTimeout as exc:
        raise StorageError(f"{what}: no free database connection: {exc}") from exc
    except OSError as exc:  # the driver could not even open a connection
        raise StorageError(f"{what}: database unreachable: {exc}") from exc


@asynccontextmanager
async def savepoint(session: AsyncSession, what: str) -> AsyncIterator[None]:
    """Run the block's writes in a SAVEPOINT; a violation raises ``Conflict``.

    Rows must be added *inside* the block: they are flushed when it ends, so a failure
    rolls back only the savepoint and the caller's transaction stays usable.
    """
    async with translated(what), session.begin_nested():
        yield
