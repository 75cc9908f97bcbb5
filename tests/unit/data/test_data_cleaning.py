from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.data.cleaning import clean_candles, count_gaps
from simbiot.domain.market import Candles

H = 3_600_000
NOW = 1_000 * H + 1  # candle 999 closed at 1000*H; candle 1000 is still open


def make(ts: list[int], **cols: list[float]) -> Candles:
    n = len(ts)
    base = {"open": [10.0] * n, "high": [12.0] * n, "low": [9.0] * n, "close": [11.0] * n}
    base["volume"] = [5.0] * n
    base.update(cols)
    return Candles(
        "BTC/USDT",
        "1h",
        np.array(ts, dtype=np.int64),
        *(np.array(base[k], dtype=np.float64) for k in ("open", "high", "low", "close", "volume")),
    )


def test_clean_input_passes_unchanged() -> None:
    raw = make([1 * H, 2 * H, 3 * H])
    out, rep = clean_candles(raw, "1h", NOW)
    assert rep.clean
    assert rep.rows_out == 3
    assert rep.gaps == 0
    np.testing.assert_array_equal(out.timestamp, raw.timestamp)


def test_unsorted_rows_are_sorted_and_counted() -> None:
    out, rep = clean_candles(make([3 * H, 1 * H, 2 * H], close=[13.0, 11.0, 12.0]), "1h", NOW)
    assert rep.unsorted == 1
    assert out.timestamp.tolist() == [1 * H, 2 * H, 3 * H]
    assert out.close.tolist() == [11.0, 12.0, 13.0]


def test_duplicates_keep_the_last_received() -> None:
    out, rep = clean_candles(make([1 * H, 2 * H, 1 * H], close=[11.0, 11.5, 10.5]), "1h", NOW)
    assert rep.duplicates == 1
    assert out.timestamp.tolist() == [1 * H, 2 * H]
    assert out.close.tolist() == [10.5, 11.5]


def test_unfinished_last_candle_dropped() -> None:
    out, rep = clean_candles(make([998 * H, 999 * H, 1000 * H]), "1h", NOW)
    assert rep.unfinished == 1
    assert rep.future == 0
    assert out.last_timestamp == 999 * H


def test_candle_closing_exactly_now_is_kept() -> None:
    _, rep = clean_candles(make([999 * H]), "1h", 1000 * H)
    assert rep.rows_out == 1


def test_future_timestamps_dropped() -> None:
    _, rep = clean_candles(make([5 * H, 2000 * H]), "1h", NOW)
    assert rep.future == 1
    assert rep.rows_out == 1


def test_misaligned_dropped() -> None:
    _, rep = clean_candles(make([5 * H, 6 * H + 1]), "1h", NOW)
    assert rep.misaligned == 1
    assert rep.rows_out == 1


@pytest.mark.parametrize("column", ["open", "high", "low", "close", "volume"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_rows_dropped(column: str, bad: float) -> None:
    raw = make([1 * H, 2 * H], **{column: [bad, 12.0 if column == "high" else 10.0]})
    _, rep = clean_candles(raw, "1h", NOW)
    assert rep.non_finite == 1
    assert rep.rows_out == 1


@pytest.mark.parametrize("column", ["open", "high", "low", "close"])
@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_non_positive_prices_dropped(column: str, bad: float) -> None:
    _, rep = clean_candles(make([1 * H], **{column: [bad]}), "1h", NOW)
    assert rep.non_positive_price == 1
    assert rep.rows_out == 0


def test_negative_volume_dropped_zero_volume_kept() -> None:
    _, rep = clean_candles(make([1 * H, 2 * H], volume=[-1.0, 0.0]), "1h", NOW)
    assert rep.negative_volume == 1
    assert rep.rows_out == 1


def test_inverted_high_low_dropped() -> None:
    _, rep = clean_candles(make([1 * H], high=[8.0], low=[9.0]), "1h", NOW)
    assert rep.high_low_dropped == 1
    assert rep.rows_out == 0


def test_high_low_not_enclosing_open_close_repaired() -> None:
    out, rep = clean_candles(make([1 * H, 2 * H], high=[10.5, 12.0], low=[9.0, 10.5]), "1h", NOW)
    assert rep.high_low_repaired == 2
    assert rep.rows_out == 2
    assert out.high.tolist() == [11.0, 12.0]
    assert out.low.tolist() == [9.0, 10.0]
    assert out.open.tolist() == [10.0, 10.0]
    assert out.close.tolist() == [11.0, 11.0]


def test_gaps_counted_not_filled() -> None:
    out, rep = clean_candles(make([1 * H, 2 * H, 5 * H, 7 * H]), "1h", NOW)
    assert rep.gaps == 3
    assert len(out) == 4
    assert not rep.dropped


def test_each_row_counted_once() -> None:
    # NaN and misaligned and future at once: only the first rule counts it.
    _, rep = clean_candles(make([2000 * H + 5], open=[float("nan")]), "1h", NOW)
    assert rep.non_finite == 1
    assert rep.misaligned == 0
    assert rep.future == 0


def test_empty_input() -> None:
    out, rep = clean_candles(Candles.empty("X/USDT", "1h"), "1h", NOW)
    assert len(out) == 0
    assert rep.clean


def test_count_gaps_helper() -> None:
    assert count_gaps(np.array([0, 60_000, 240_000], dtype=np.int64), 60_000) == 2
    assert count_gaps(np.array([0], dtype=np.int64), 60_000) == 0


prices = st.one_of(
    st.floats(min_value=-1e6, max_value=1e12),
    st.sampled_from([float("nan"), float("inf"), -float("inf")]),
)


@st.composite
def raw_candles(draw: st.DrawFn) -> Candles:
    n = draw(st.integers(0, 40))
    ts = draw(
        st.lists(
            st.one_of(
                st.integers(0, 1_100).map(lambda k: k * H),
                st.integers(-(2**40), 2**50),
            ),
            min_size=n,
            max_size=n,
        )
    )
    cols = [draw(st.lists(prices, min_size=n, max_size=n)) for _ in range(5)]
    return Candles(
        "X/USDT",
        "1h",
        np.array(ts, dtype=np.int64),
        *(np.array(col, dtype=np.float64) for col in cols),
    )


@settings(max_examples=300, deadline=None)
@given(raw_candles())
def test_property_output_is_clean(raw: Candles) -> None:
    out, rep = clean_candles(raw, "1h", NOW)
    ts = out.timestamp
    assert rep.rows_out == len(out) <= len(raw)
    assert np.all(np.diff(ts) > 0)  # sorted and unique
    assert np.all(ts % H == 0)
    assert np.all(ts + H <= NOW)
    for col in (out.open, out.high, out.low, out.close, out.volume):
        assert np.all(np.isfinite(col))
    assert np.all(out.low > 0)
    assert np.all(out.volume >= 0)
    assert np.all(out.high >= np.maximum(out.open, out.close))
    assert np.all(out.low <= np.minimum(out.open, out.close))
    # A second pass finds nothing to do: cleaning is idempotent.
    again, rep2 = clean_candles(out, "1h", NOW)
    assert rep2.clean
    assert len(again) == len(out)
