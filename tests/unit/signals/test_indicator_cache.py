from __future__ import annotations

import numpy as np
import pytest
from signal_frames import random_frame

from simbiot.analysis import indicators as ta
from simbiot.analysis.indicators import IndicatorParams, compute_indicators
from simbiot.signals.catalog import CATALOG, compute, normalise
from simbiot.signals.indicator_cache import IndicatorBank, IndicatorCache

FRAME = random_frame(5, 120, seed=4)


def test_lru_evicts_by_bytes_and_counts_hits() -> None:
    one = np.zeros((10, 10))
    cache = IndicatorCache(max_bytes=one.nbytes * 2)
    cache.put("d", ("ema", (5,)), one.copy())
    cache.put("d", ("ema", (6,)), one.copy())
    assert cache.get("d", ("ema", (5,))) is not None  # now most recently used
    cache.put("d", ("ema", (7,)), one.copy())
    assert cache.get("d", ("ema", (6,))) is None
    assert len(cache) == 2
    assert cache.nbytes == 2 * one.nbytes
    assert (cache.hits, cache.misses) == (1, 1)
    with pytest.raises(ValueError, match="max_bytes"):
        IndicatorCache(0)


def test_cached_arrays_are_read_only_and_frame_columns_untouched() -> None:
    bank = IndicatorBank(FRAME, "d1", IndicatorCache())
    arr = bank.get(("ema", (10,)))
    with pytest.raises(ValueError, match="read-only"):
        arr[0, 0] = 1.0
    assert bank.get(("close", ())) is FRAME.close
    assert FRAME.close.flags.writeable


def test_group_members_come_from_one_pass() -> None:
    cache = IndicatorCache()
    bank = IndicatorBank(FRAME, "d2", cache)
    lower = bank.get(normalise("bb_lower", (20, 2.0)))
    assert len(cache) == 4
    up, _mid, lo = ta.bbands(FRAME.close, 20, 2.0)
    assert np.array_equal(lower, lo, equal_nan=True)
    assert np.array_equal(bank.get(normalise("bb_upper", (20, 2.0))), up, equal_nan=True)
    assert cache.misses == 1


def test_standard_set_layers_are_reused_as_copies() -> None:
    ind = compute_indicators(FRAME, IndicatorParams())
    bank = IndicatorBank(FRAME, "d3", IndicatorCache(), ind)
    for request, layer in [
        (("ema", (12,)), "ema_fast"), (("rsi", (14,)), "rsi"), (("adx", (14,)), "adx"),
        (("bb_upper", (20, 2.0)), "bb_upper"), (("donchian_lower", (20,)), "donchian_lower"),
    ]:  # fmt: skip
        got = bank.get(request)
        assert np.array_equal(got, ind.get(layer), equal_nan=True)
        assert not np.shares_memory(got, ind.block)
    assert np.allclose(bank.get(("ema", (13,))), ta.ema(FRAME.close, 13), equal_nan=True)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_catalog_indicator_computes_over_all_symbols(name: str) -> None:
    arr = compute(FRAME, normalise(name, ()))
    assert arr.shape == FRAME.shape
    assert np.isfinite(arr[:, -1]).all()


def test_normalise_fills_defaults_and_checks_arguments() -> None:
    assert normalise("bb_lower", (10,)) == ("bb_lower", (10, 2.0))
    assert normalise("ema", (12.0,)) == ("ema", (12,))
    for args, message in [((1, 2), "at most 1"), ((2.5,), "integer"), ((1,), ">= 2")]:
        with pytest.raises(ValueError, match=message):
            normalise("ema", args)
    with pytest.raises(ValueError, match="unknown indicator"):
        normalise("nope", ())
