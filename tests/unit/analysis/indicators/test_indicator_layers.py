"""compute_layers: chosen layers equal the whole set's, on any number of threads."""

from __future__ import annotations

import numpy as np
import pytest
from indicator_refs import random_candles

from simbiot.analysis.indicators import (
    INDICATOR_NAMES,
    IndicatorLayers,
    IndicatorParams,
    compute_indicators,
    compute_layers,
    layer_names,
)
from simbiot.domain.frame import MarketFrame


def _frame(rows: int = 21, n: int = 300, seed: int = 5) -> MarketFrame:
    d = random_candles(np.random.default_rng(seed), n, rows=rows)
    for arr in (d.o, d.h, d.l, d.c, d.v):
        arr[1, :120] = np.nan  # listed later
        arr[9, 100:104] = np.nan  # a gap
        arr[17, :] = np.nan  # quarantined
    d.h[4, 50] = -1.0  # a bad candle: no logarithm there
    symbols = tuple(f"S{i}/USDT" for i in range(rows))
    return MarketFrame("sim", "1h", symbols, np.arange(n, dtype=np.int64), d.o, d.h, d.l, d.c, d.v)


PARAMS = IndicatorParams(sma=9, ema_fast=5, bb_period=12, std=12, atr=7, adx=6, volatility=10)


def test_groups_come_whole_and_in_standard_order() -> None:
    assert layer_names(["adx", "rsi"]) == ("rsi", "plus_di", "minus_di", "adx")
    assert layer_names(["cc_vol"]) == ("log_return", "cc_vol")
    assert layer_names(["log_return"]) == ("log_return",)
    assert layer_names(["macd_hist"]) == ("macd_hist",)
    assert layer_names(["macd_signal"]) == ("macd", "macd_signal", "macd_hist")
    assert layer_names(["rs_vol", "bb_lower", "atr"]) == (
        "bb_upper",
        "bb_middle",
        "bb_lower",
        "atr",
        "gk_vol",
        "rs_vol",
    )
    assert layer_names(INDICATOR_NAMES) == INDICATOR_NAMES
    with pytest.raises(KeyError):
        layer_names(["rsi", "nope"])


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
@pytest.mark.parametrize(
    "wanted",
    [
        ("natr",),
        ("trange", "cc_vol", "volume_z"),
        ("parkinson_vol", "stoch_k", "mfi", "vwap"),
        ("gk_vol", "cci", "obv", "std", "donchian_lower"),
        ("std", "macd_hist"),
        ("macd", "sma"),
        INDICATOR_NAMES,
    ],
)
@pytest.mark.usefixtures("small_parts")
def test_chosen_layers_equal_the_whole_set_bit_for_bit(
    wanted: tuple[str, ...], workers: int
) -> None:
    f = _frame()
    whole = compute_indicators(f, PARAMS)
    got = compute_layers(f, wanted, PARAMS, workers=workers)
    assert got.names == layer_names(wanted)
    assert got.block.shape == (len(got.names), *f.shape)
    assert got.shape == f.shape
    for name in got.names:
        np.testing.assert_array_equal(got.get(name), whole.get(name), err_msg=name)


@pytest.mark.usefixtures("small_parts")
def test_the_whole_set_on_threads_equals_one_thread() -> None:
    f = _frame(rows=40, n=20_000, seed=8)  # long rows: log ratios in several chunks
    one = compute_indicators(f)
    np.testing.assert_array_equal(compute_indicators(f, workers=3).block, one.block)


def test_absent_layer_and_unknown_name_raise_key_error() -> None:
    got = compute_layers(_frame(), ["rsi"])
    with pytest.raises(KeyError):
        got.get("adx")
    with pytest.raises(KeyError):
        compute_layers(_frame(), ["nope"])


def test_out_is_reused_only_when_it_fits() -> None:
    f = _frame(seed=1)
    first = compute_layers(f, ["adx", "atr"], PARAMS)
    block = first.block
    g = _frame(seed=2)
    again = compute_layers(g, ["adx", "atr"], PARAMS, out=first)
    assert again.block is block
    np.testing.assert_array_equal(again.block, compute_layers(g, ["adx", "atr"], PARAMS).block)
    other = compute_layers(g, ["adx", "atr"], IndicatorParams(), out=first)
    assert other.block is block
    assert other.params == IndicatorParams()
    with pytest.raises(ValueError, match="out holds"):
        compute_layers(g, ["adx"], PARAMS, out=first)
    with pytest.raises(ValueError, match="out holds"):
        compute_layers(_frame(n=301), ["adx", "atr"], PARAMS, out=first)


def test_bad_worker_count_is_refused() -> None:
    with pytest.raises(ValueError, match="workers"):
        compute_layers(_frame(), ["rsi"], workers=0)
    with pytest.raises(ValueError, match="workers"):
        compute_indicators(_frame(), workers=0)


def test_layers_validate_their_block() -> None:
    block = np.zeros((1, 2, 5))
    ok = IndicatorLayers(PARAMS, ("A", "B"), 1.0, ("rsi",), block)
    assert ok.get("rsi") is not None
    with pytest.raises(ValueError, match="shape"):
        IndicatorLayers(PARAMS, ("A",), 1.0, ("rsi",), block)
    with pytest.raises(ValueError, match="contiguous"):
        IndicatorLayers(PARAMS, ("A", "B"), 1.0, ("rsi",), np.zeros((1, 5, 2)).transpose(0, 2, 1))
    with pytest.raises(ValueError, match="whole groups"):
        IndicatorLayers(PARAMS, ("A", "B"), 1.0, ("adx",), block)
    with pytest.raises(ValueError, match="whole groups"):
        IndicatorLayers(PARAMS, ("A", "B"), 1.0, ("rsi", "sma"), np.zeros((2, 2, 5)))


@pytest.mark.usefixtures("small_parts")
def test_empty_frame_gives_empty_layers() -> None:
    f = _frame().select(np.array([], dtype=np.intp))
    got = compute_layers(f, ["cci", "gk_vol"], workers=2)
    assert got.block.shape == (3, 0, 300)
