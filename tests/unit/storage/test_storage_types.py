"""Column types: exact decimals and UTC timestamps, checked without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from simbiot.storage.types import ExactDecimal, UtcDateTime, decimal_to_text

SQLITE = sqlite.dialect()
PG = postgresql.dialect()

DECIMALS = st.decimals(
    min_value=Decimal("-99999999999999999999.999999999999999999"),
    max_value=Decimal("99999999999999999999.999999999999999999"),
    places=18,
    allow_nan=False,
    allow_infinity=False,
)


@given(DECIMALS)
def test_decimal_round_trips_exactly_through_sqlite_text(value: Decimal) -> None:
    column = ExactDecimal()
    stored = column.process_bind_param(value, SQLITE)
    assert isinstance(stored, str)
    assert "E" not in stored.upper()
    assert column.process_result_value(stored, SQLITE) == value


@given(DECIMALS)
def test_decimal_bound_as_decimal_on_postgres(value: Decimal) -> None:
    stored = ExactDecimal().process_bind_param(value, PG)
    assert isinstance(stored, Decimal)
    assert stored == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1E+3"), "1000"),
        (Decimal("0.10"), "0.1"),
        (Decimal("-0"), "0"),
        (Decimal("1e-18"), "0.000000000000000001"),
        (Decimal("1e-19"), "0"),
    ],
)
def test_decimal_text_form(value: Decimal, text: str) -> None:
    assert decimal_to_text(value) == text


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("1e20")])
def test_decimal_out_of_range_is_refused(value: Decimal) -> None:
    with pytest.raises(ValueError):
        ExactDecimal().process_bind_param(value, SQLITE)


def test_decimal_refuses_floats() -> None:
    with pytest.raises(TypeError):
        ExactDecimal().process_bind_param(0.1, SQLITE)  # type: ignore[arg-type]


def test_none_passes_through() -> None:
    assert ExactDecimal().process_bind_param(None, SQLITE) is None
    assert ExactDecimal().process_result_value(None, SQLITE) is None
    assert UtcDateTime().process_bind_param(None, SQLITE) is None
    assert UtcDateTime().process_result_value(None, SQLITE) is None


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))])))
def test_datetimes_are_stored_as_utc(value: datetime) -> None:
    stored = UtcDateTime().process_bind_param(value, SQLITE)
    assert stored is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == value


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2026, 1, 1), SQLITE)  # noqa: DTZ001


def test_naive_value_read_back_from_sqlite_is_utc() -> None:
    read = UtcDateTime().process_result_value(datetime(2026, 1, 1, 12), SQLITE)  # noqa: DTZ001
    assert read == datetime(2026, 1, 1, 12, tzinfo=UTC)
    shifted = datetime(2026, 1, 1, 17, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert UtcDateTime().process_result_value(shifted, PG) == datetime(2026, 1, 1, 12, tzinfo=UTC)
