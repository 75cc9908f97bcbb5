"""INSERT … ON CONFLICT DO NOTHING for PostgreSQL and SQLite.

Hot paths (orders, fills) use it instead of a savepoint: a duplicate costs one round trip,
concurrent writers of the same key never raise, and the transaction stays usable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.storage.base import Base

__all__ = ["insert_ignoring_conflict"]


def insert_ignoring_conflict(
    session: AsyncSession,
    table: type[Base],
    values: Mapping[str, Any],
    conflict_columns: Sequence[str],
) -> Any:
    """Return an INSERT of ``values`` that does nothing when ``conflict_columns`` collide."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return (
            postgresql.insert(table)
            .values(dict(values))
            .on_conflict_do_nothing(index_elements=list(conflict_columns))
        )
    if dialect == "sqlite":
        return (
            sqlite.insert(table)
            .values(dict(values))
            .on_conflict_do_nothing(index_elements=list(conflict_columns))
        )
    raise NotImplementedError(f"no idempotent insert for dialect {dialect!r}")
