"""Candle scans of the X-ray: usable counts, first listed candle, a usable newest candle."""

from __future__ import annotations

import numpy as np

from simbiot.analysis.xray._k_candles import bad_candles, candle_counts

NAN = np.nan


def _counts(close: np.ndarray, volume: np.ndarray) -> tuple[np.ndarray, ...]:
    n = close.shape[0]
    count, first = np.empty(n, np.int64), np.empty(n, np.int64)
    last_ok = np.empty(n, np.bool_)
    candle_counts(close, volume, count, first, last_ok)
    return count, first, last_ok


def test_counts_first_and_newest_candle() -> None:
    close = np.array(
        [
            [NAN, NAN, 1.0, 2.0, 3.0],  # listed late
            [1.0, -1.0, 0.0, 2.0, 2.0],  # non-positive closes are not usable
            [1.0, 2.0, 3.0, 4.0, 5.0],  # newest volume missing: stale
            [NAN, NAN, NAN, NAN, NAN],  # no data
        ]
    )
    volume = np.ones_like(close)
    volume[2, -1] = NAN
    count, first, last_ok = _counts(close, volume)
    np.testing.assert_array_equal(count, [3, 3, 4, 0])
    np.testing.assert_array_equal(first, [2, 0, 0, -1])
    np.testing.assert_array_equal(last_ok, [True, True, False, False])


def test_empty_time_axis() -> None:
    count, first, last_ok = _counts(np.empty((2, 0)), np.empty((2, 0)))
    np.testing.assert_array_equal(count, [0, 0])
    np.testing.assert_array_equal(first, [-1, -1])
    assert not last_ok.any()


def test_bad_candles_count_only_present_ones() -> None:
    o = np.array([[1.0, 1.0, NAN, 1.0]])
    h = np.array([[1.0, 1.0, NAN, np.inf]])
    lo = np.array([[1.0, 0.0, NAN, 1.0]])
    c = np.array([[1.0, 1.0, NAN, 1.0]])
    v = np.array([[1.0, 1.0, NAN, 1.0]])
    bad = np.empty(c.shape, np.bool_)
    assert bad_candles(o, h, lo, c, v, bad) == 2  # the missing candle is bad, not counted
    np.testing.assert_array_equal(bad, [[False, True, True, True]])
