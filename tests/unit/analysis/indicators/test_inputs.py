"""Input validation of the public indicator functions."""

from __future__ import annotations

import numpy as np
import pytest

import simbiot.analysis.indicators as ind


def test_three_dimensional_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="1-D or 2-D"):
        ind.sma(np.zeros((2, 2, 2)), 2)


def test_inputs_of_different_shapes_are_rejected() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        ind.atr(np.ones(10), np.ones(10), np.ones(11))


@pytest.mark.parametrize("period", [1, 0, -3, 2.5, True])
def test_bad_periods_are_rejected(period: object) -> None:
    with pytest.raises(ValueError, match="period"):
        ind.rsi(np.ones(30), period)  # type: ignore[arg-type]


def test_lists_and_integers_are_converted_to_float64() -> None:
    out = ind.sma([1, 2, 3, 4], 2)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [np.nan, 1.5, 2.5, 3.5])


def test_input_is_never_modified() -> None:
    x = np.array([1.0, np.nan, 3.0, 4.0, 5.0])
    before = x.copy()
    ind.ema(x, 2)
    np.testing.assert_array_equal(x, before)


def test_empty_rows_give_empty_output() -> None:
    assert ind.rsi(np.empty(0)).shape == (0,)
    assert ind.macd(np.empty((3, 0)))[0].shape == (3, 0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ind.bbands(np.ones(30), 20, -1.0), "nbdev"),
        (lambda: ind.close_to_close_vol(np.ones(30), 5, 0.0), "annualization"),
        (lambda: ind.log_returns(np.ones(30), 0), "n must"),
        (lambda: ind.macd(np.ones(30), 12, 26, 0), "signal"),
        (lambda: ind.donchian(np.ones(5), np.ones(5), 0), "period"),
    ],
)
def test_other_bad_arguments_are_rejected(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_periods_per_year() -> None:
    assert ind.periods_per_year("1h") == 8760
    assert ind.periods_per_year("1d") == 365
    with pytest.raises(ValueError):
        ind.periods_per_year("2m")
