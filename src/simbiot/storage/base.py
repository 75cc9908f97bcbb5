"""Declarative base shared by every table, with deterministic constraint names."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from simbiot.storage.types import ExactDecimal, JsonDoc, UtcDateTime

__all__ = ["NAMING_CONVENTION", "Base"]

# Named constraints let migrations drop or alter them on every backend (SQLite batch mode
# needs names to find them again).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Root of the ORM tables; ``Mapped[Decimal]``/``Mapped[datetime]`` get exact types."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        Decimal: ExactDecimal(),
        datetime: UtcDateTime(),
        dict[str, Any]: JsonDoc,
    }
