"""log_ratio: NumPy's ln(num / den), into a caller's buffer when given one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simbiot.analysis.indicators.volatility import log_ratio

_PRICES = st.one_of(
    st.floats(-1e6, 1e6), st.sampled_from([0.0, -0.0, np.nan, np.inf, 1e-300, 1e300])
)


@settings(max_examples=60, deadline=None)
@given(
    num=arrays(np.float64, (3, 7), elements=_PRICES),
    den=arrays(np.float64, (3, 7), elements=_PRICES),
)
def test_in_place_equals_a_fresh_result_bit_for_bit(num: np.ndarray, den: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        expected = np.log(num / den)
    buf = np.full(num.shape, 123.0)
    got = log_ratio(num, den, buf)
    assert got is buf
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(log_ratio(num, den), expected)


def test_missing_or_non_positive_prices_give_non_finite_values() -> None:
    num = np.array([2.0, np.nan, 1.0, -1.0, 0.0])
    den = np.array([1.0, 1.0, 0.0, 1.0, 1.0])
    got = log_ratio(num, den)
    np.testing.assert_array_equal(got, [np.log(2.0), np.nan, np.inf, np.nan, -np.inf])
