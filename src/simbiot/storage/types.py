"""Column types that behave the same on PostgreSQL and SQLite.

* :class:`UtcDateTime` stores tz-aware UTC datetimes; SQLite keeps no zone, so values read
  back are re-tagged as UTC, and naive values are refused on the way in.
* :class:`ExactDecimal` stores ``Decimal`` as ``NUMERIC(38, 18)`` on PostgreSQL and as text
  on SQLite, whose NUMERIC affinity would round through a binary float.
* :data:`JsonDoc` is JSONB on PostgreSQL and JSON text elsewhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "DECIMAL_PRECISION",
    "DECIMAL_SCALE",
    "ExactDecimal",
    "Id",
    "JsonDoc",
    "UtcDateTime",
    "decimal_to_text",
]

DECIMAL_PRECISION = 38
DECIMAL_SCALE = 18
_QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)
_MAX_ABS = Decimal(10) ** (DECIMAL_PRECISION - DECIMAL_SCALE)
# The default context keeps 28 digits; the column holds 38, so arithmetic here needs more.
_CONTEXT = Context(prec=DECIMAL_PRECISION + 2)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")
JsonDoc = JSON().with_variant(JSONB(), "postgresql")


def decimal_to_text(value: Decimal) -> str:
    """Return ``value`` rounded to the column's scale (half-even, as PostgreSQL's NUMERIC
    does) as plain digits without exponent."""
    if not value.is_finite():
        raise ValueError(f"{value} cannot be stored: only finite decimals are allowed")
    if value.copy_abs() >= _MAX_ABS:  # abs() would round to the 28-digit context
        raise ValueError(f"{value} exceeds NUMERIC({DECIMAL_PRECISION}, {DECIMAL_SCALE})")
    try:
        quantized = value.quantize(_QUANTUM, context=_CONTEXT)
    except InvalidOperation as exc:
        raise ValueError(f"{value} cannot be held at scale {DECIMAL_SCALE}") from exc
    text = format(quantized.normalize(context=_CONTEXT), "f")
    return "0" if text in {"-0", ""} else text


class ExactDecimal(TypeDecorator[Decimal]):
    """``Decimal`` with 38 digits, 18 after the point, exact on every backend."""

    impl = Numeric(DECIMAL_PRECISION, DECIMAL_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(DECIMAL_PRECISION + 2))
        return dialect.type_descriptor(Numeric(DECIMAL_PRECISION, DECIMAL_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"expected Decimal, got {type(value).__name__}")
        text = decimal_to_text(value)
        return text if dialect.name == "sqlite" else Decimal(text)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)) if not isinstance(value, Decimal) else value


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: store tz-aware UTC values only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
