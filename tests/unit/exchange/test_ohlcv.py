from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simbiot.domain.errors import MalformedPayload
from simbiot.exchange.ccxt.ohlcv import parse_ohlcv

GOOD = [1_000, 10.0, 12.0, 9.0, 11.0, 5.0]


def parse(rows: object, **kw: int) -> tuple[np.ndarray, int]:
    out = parse_ohlcv(rows, exchange="mexc", symbol="AIMMT/USDT", timeframe="1h", **kw)
    return out.candles.timestamp, out.dropped


@pytest.mark.parametrize(
    "bad",
    [
        "row",
        None,
        {"t": 1},
        [1_000, 10.0, 12.0, 9.0, 11.0],
        [1_000, 10.0, 12.0, 9.0, 11.0, 5.0, 7.0],
        [1_000, "10", 12.0, 9.0, 11.0, 5.0],
        [1_000, None, 12.0, 9.0, 11.0, 5.0],
        [1_000, math.nan, 12.0, 9.0, 11.0, 5.0],
        [1_000, 10.0, math.inf, 9.0, 11.0, 5.0],
        [1_000, True, 12.0, 9.0, 11.0, 5.0],
        [1_000, 10.0, 8.0, 9.0, 11.0, 5.0],  # high < low
        [1_000, 10.0, 10.5, 9.0, 11.0, 5.0],  # high < close
        [1_000, 10.0, 12.0, 10.5, 10.2, 5.0],  # low > open
        [1_000, 0.0, 12.0, 9.0, 11.0, 5.0],
        [1_000, 10.0, 12.0, 9.0, 11.0, -1.0],
        [-5, 10.0, 12.0, 9.0, 11.0, 5.0],
        [1_000.5, 10.0, 12.0, 9.0, 11.0, 5.0],
    ],
)
def test_each_kind_of_bad_row_is_dropped_and_counted(bad: object) -> None:
    ts, dropped = parse([[0, *GOOD[1:]], bad, [2_000, *GOOD[1:]]])
    assert ts.tolist() == [0, 2_000]
    assert dropped == 1


@pytest.mark.parametrize("payload", ["string indices", {"code": 700}, 7, None])
def test_a_whole_payload_of_the_wrong_type_names_the_symbol(payload: object) -> None:
    with pytest.raises(MalformedPayload, match="AIMMT/USDT"):
        parse(payload)


def test_sorted_deduplicated_and_bounded() -> None:
    rows = [[3_000, *GOOD[1:]], [1_000, *GOOD[1:]], [2_000, *GOOD[1:]], [2_000, 10, 13, 9, 12, 6]]
    ts, dropped = parse(rows, since_ms=1_500, until_ms=3_000)
    assert ts.tolist() == [2_000]
    assert dropped == 1  # the duplicate; out-of-range rows are not faults
    out = parse_ohlcv(rows, exchange="m", symbol="S", timeframe="1h")
    assert out.candles.high[1] == 13.0  # the later duplicate wins
    assert out.candles.timestamp.dtype == np.int64


def test_empty_and_all_bad() -> None:
    assert parse([])[0].size == 0
    ts, dropped = parse([["x"], None])
    assert ts.size == 0
    assert dropped == 2


finite = st.one_of(
    st.floats(min_value=-1e6, max_value=1e9), st.sampled_from([math.nan, math.inf, -math.inf])
)
cell = st.one_of(finite, st.integers(-10, 10**13), st.none(), st.text(max_size=3), st.booleans())
row = st.one_of(
    st.lists(cell, min_size=0, max_size=8),
    st.tuples(st.integers(0, 10**13), finite, finite, finite, finite, finite).map(list),
    cell,
)


@given(st.lists(row, max_size=40))
def test_any_payload_yields_only_consistent_candles(rows: list[object]) -> None:
    out = parse_ohlcv(rows, exchange="mexc", symbol="S/USDT", timeframe="1m")
    c = out.candles
    assert out.dropped <= len(rows)
    assert len(c) + out.dropped <= len(rows)
    for col in (c.open, c.high, c.low, c.close, c.volume):
        assert np.isfinite(col).all()
    assert (np.diff(c.timestamp) > 0).all()
    assert (c.high >= np.maximum(c.open, c.close)).all()
    assert (c.low <= np.minimum(c.open, c.close)).all()
    assert (c.low > 0).all()
    assert (c.volume >= 0).all()
