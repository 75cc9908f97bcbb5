"""Codecs: round trips (property tests) and rejection of corrupt bytes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simbiot.cache.codec import (
    decode_arrays,
    decode_candles,
    decode_json,
    encode_arrays,
    encode_candles,
    encode_json,
)
from simbiot.domain.errors import DataError
from simbiot.domain.market import Candles

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@st.composite
def candle_frames(draw: st.DrawFn) -> Candles:
    n = draw(st.integers(0, 40))
    col = hnp.arrays(np.float64, n, elements=floats)
    ts = draw(hnp.arrays(np.int64, n, elements=st.integers(-(2**62), 2**62)))
    return Candles(
        draw(st.text(max_size=30)),
        draw(st.sampled_from(["1m", "5m", "1h", "1d"])),
        np.sort(ts),
        draw(col),
        draw(col),
        draw(col),
        draw(col),
        draw(col),
    )


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _frame(n: int = 5) -> Candles:
    ts = np.arange(n, dtype=np.int64) * 3_600_000
    x = np.linspace(1.0, 2.0, n)
    return Candles("BTC/USDT", "1h", ts, x, x + 1, x - 1, x, x * 10)


@settings(deadline=None)
@given(candle_frames())
def test_candles_round_trip_bit_for_bit(candles: Candles) -> None:
    back = decode_candles(encode_candles(candles))
    assert (back.symbol, back.timeframe) == (candles.symbol, candles.timeframe)
    for col in ("timestamp", "open", "high", "low", "close", "volume"):
        assert _same(getattr(back, col), getattr(candles, col))


def test_decoded_arrays_are_read_only_views() -> None:
    back = decode_candles(encode_candles(_frame()))
    with pytest.raises(ValueError):
        back.close[0] = 0.0


def test_candle_frame_of_1000_rows_is_raw_column_bytes() -> None:
    raw = encode_candles(_frame(1000))
    assert 48_000 <= len(raw) < 48_100


@settings(deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=20),
        hnp.arrays(
            np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=6), elements=floats
        ),
        max_size=5,
    )
)
def test_arrays_round_trip_with_shapes(arrays: dict[str, np.ndarray]) -> None:
    back = decode_arrays(encode_arrays(arrays))
    assert list(back) == list(arrays)
    for name, arr in arrays.items():
        assert _same(back[name], arr)


def test_arrays_accept_non_float_input_as_float64() -> None:
    back = decode_arrays(encode_arrays({"x": [1, 2, 3]}))
    assert back["x"].dtype == np.float64
    assert back["x"].tolist() == [1.0, 2.0, 3.0]


def test_arrays_beyond_eight_dimensions_are_refused() -> None:
    with pytest.raises(DataError):
        encode_arrays({"x": np.zeros((1,) * 9)})


@pytest.mark.parametrize(
    "raw",
    [encode_candles(_frame()), encode_arrays({"a": np.arange(6.0).reshape(2, 3), "b": np.ones(2)})],
    ids=["candles", "arrays"],
)
def test_every_truncation_is_rejected(raw: bytes) -> None:
    decode = decode_candles if raw[:4] == b"SBCN" else decode_arrays
    for cut in range(len(raw)):
        with pytest.raises(DataError):
            decode(raw[:cut])
    with pytest.raises(DataError):
        decode(raw + b"\0" * 8)


@settings(deadline=None, max_examples=200)
@given(st.data())
def test_any_flipped_byte_is_rejected(data: st.DataObject) -> None:
    raw = bytearray(encode_candles(_frame()))
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] ^= data.draw(st.integers(1, 255))
    with pytest.raises(DataError):
        decode_candles(bytes(raw))


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_decode_and_never_crash_otherwise(raw: bytes) -> None:
    for decode in (decode_candles, decode_arrays):
        with pytest.raises(DataError):
            decode(raw)


def test_candles_and_arrays_frames_are_not_interchangeable() -> None:
    with pytest.raises(DataError, match="not a arrays frame"):
        decode_arrays(encode_candles(_frame()))
    with pytest.raises(DataError, match="not a candles frame"):
        decode_candles(encode_arrays({"a": np.ones(3)}))


def test_unknown_version_is_rejected() -> None:
    raw = bytearray(encode_candles(_frame()))
    raw[4] = 99
    with pytest.raises(DataError, match=r"version 99\.0"):
        decode_candles(bytes(raw))


@settings(deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )
)
def test_json_round_trip(value: object) -> None:
    assert decode_json(encode_json(value)) == value


def test_json_handles_numpy_values() -> None:
    assert decode_json(encode_json({"x": np.arange(3.0), "n": np.int64(4)})) == {
        "x": [0.0, 1.0, 2.0],
        "n": 4,
    }


def test_json_rejects_corrupt_bytes_and_unserialisable_values() -> None:
    with pytest.raises(DataError):
        decode_json(b'{"a": ')
    with pytest.raises(DataError):
        encode_json({"a": object()})
