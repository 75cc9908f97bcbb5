"""Decimal formatting at a market's precision."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from simbiot.exchange.simulator.formats import dec, fmt, quantize


@given(value=st.floats(1e-8, 1e9), decimals=st.integers(0, 10))
def test_dec_has_the_precision_and_stays_close(value: float, decimals: int) -> None:
    d = dec(value, decimals)
    assert -d.as_tuple().exponent == decimals  # type: ignore[operator]
    assert abs(float(d) - value) <= 0.5 * 10**-decimals + 1e-9 * value


@given(value=st.decimals(min_value=0, max_value=10**9, places=8, allow_nan=False))
def test_fmt_round_trips_without_exponent(value: Decimal) -> None:
    text = fmt(value)
    assert "E" not in text.upper()
    assert Decimal(text) == value


def test_directed_rounding() -> None:
    assert quantize(Decimal("1.234"), 2, "down") == Decimal("1.23")
    assert quantize(Decimal("1.231"), 2, "up") == Decimal("1.24")
    assert fmt(Decimal("-0.000")) == "0"
    assert fmt(Decimal("100.500")) == "100.5"
