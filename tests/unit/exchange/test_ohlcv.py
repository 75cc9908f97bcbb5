from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simbiot.domain.errors import MalformedPayload
from simbiot.exchange.ccxt.ohlcv import parse_ohlcv

H = 3_600_000
GOOD = [H, 10.0, 12.0, 9.0, 11.0, 5.0]


def parse(rows: object, **kw: int) -> tuple[np.ndarray, int]:
    out = parse_ohlcv(rows, exchange="mexc", symbol="AIMMT/USDT", timeframe="1h", **kw)
    return out.candles.timestamp, out.dropped


@pytest.mark.parametrize(
    "bad",
    [
        "row",
        None,
        {"t": 1},
        [H, 10.0, 12.0, 9.0, 11.0],
        [H, 10.0, 12.0, 9.0, 11.0, 5.0, 7.0],
        [H, "10", 12.0, 9.0, 11.0, 5.0],
        [H, None, 12.0, 9.0, 11.0, 5.0],
        [H, math.nan, 12.0, 9.0, 11.0, 5.0],
        [H, 10.0, math.inf, 9.0, 11.0, 5.0],
        [H, True, 12.0, 9.0, 11.0, 5.0],
        [H, 10.0, 8.0, 9.0, 11.0, 5.0],  # high < low
        [H, 10.0, 10.5, 9.0, 11.0, 5.0],  # high < close
        [H, 10.0, 12.0, 10.5, 10.2, 5.0],  # low > open
        [H, 0.0, 12.0, 9.0, 11.0, 5.0],
        [H, 10.0, 12.0, 9.0, 11.0, -1.0],
        [-5, 10.0, 12.0, 9.0, 11.0, 5.0],
        [1_000.5, 10.0, 12.0, 9.0, 11.0, 5.0],
    ],
)
def test_each_kind_of_bad_row_is_dropped_and_counted(bad: object) -> None:
    ts, dropped = parse([[0, *GOOD[1:]], bad, [2 * H, *GOOD[1:]]])
    assert ts.tolist() == [0, 2 * H]
    assert dropped == 1


@pytest.mark.parametrize("payload", ["string indices", {"code": 700}, 7, None])
def test_a_whole_payload_of_the_wrong_type_names_the_symbol(payload: object) -> None:
    with pytest.raises(MalformedPayload, match="AIMMT/USDT"):
        parse(payload)


def test_sorted_deduplicated_and_bounded() -> None:
    rows = [[3 * H, *GOOD[1:]], [H, *GOOD[1:]], [2 * H, *GOOD[1:]], [2 * H, 10, 13, 9, 12, 6]]
    ts, dropped = parse(rows, since_ms=H + 1, until_ms=3 * H)
    assert ts.tolist() == [2 * H]
    assert dropped == 1  # the duplicate; out-of-range rows are not faults
    out = parse_ohlcv(rows, exchange="m", symbol="S", timeframe="1h")
    assert out.candles.high[1] == 13.0  # the later duplicate wins
    assert out.candles.timestamp.dtype == np.int64


def test_empty_and_all_bad() -> None:
    assert parse([])[0].size == 0
    with pytest.raises(MalformedPayload, match="AIMMT/USDT"):
        parse([["x"], None])
    # What ccxt makes of a body of strings: digits read as a row, off the time grid.
    with pytest.raises(MalformedPayload, match="all 2 rows"):
        parse([[1, 7.0, 9.0, 2.0, 9.0, 0.0], [1, 7.0, 9.0, 2.0, 9.0, 0.0]])
    # Valid rows outside the requested range are no fault.
    assert parse([GOOD], since_ms=2 * H)[0].size == 0


finite = st.one_of(
    st.floats(min_value=-1e6, max_value=1e9), st.sampled_from([math.nan, math.inf, -math.inf])
)
cell = st.one_of(finite, st.integers(-10, 10**13), st.none(), st.text(max_size=3), st.booleans())
row = st.one_of(
    st.lists(cell, min_size=0, max_size=8),
    st.tuples(
        st.integers(0, 10**7).map(lambda m: m * 60_000), finite, finite, finite, finite, finite
    ).map(list),
    cell,
)


@given(st.lists(row, max_size=40))
def test_any_payload_yields_only_consistent_candles(rows: list[object]) -> None:
    try:
        out = parse_ohlcv(rows, exchange="mexc", symbol="S/USDT", timeframe="1m")
    except MalformedPayload:
        return
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
