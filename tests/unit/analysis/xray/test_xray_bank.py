"""Indicator bank: memoised, and the fused set's arrays equal the on-demand ones."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.indicators import IndicatorParams, compute_indicators, compute_layers
from simbiot.analysis.xray.bank import BANK_INDICATORS, IndicatorBank
from simbiot.analysis.xray.synthetic import random_market


def test_seeded_arrays_equal_computed_ones() -> None:
    frame = random_market(30, 300, seed=9)
    params = IndicatorParams(ema_slow=26, rsi=14, atr=14, adx=14, donchian=20, volume_z=20)
    seeded = IndicatorBank(frame, compute_indicators(frame, params))
    fresh = IndicatorBank(frame)
    pairs = [
        (seeded.ema(26), fresh.ema(26)),
        (seeded.rsi(14), fresh.rsi(14)),
        (seeded.atr(14), fresh.atr(14)),
        (seeded.adx(14), fresh.adx(14)),
        (seeded.volume_z(20), fresh.volume_z(20)),
        (seeded.returns(), fresh.returns()),
        *zip(seeded.bbands(20, 2.0), fresh.bbands(20, 2.0), strict=True),
        *zip(seeded.donchian(20), fresh.donchian(20), strict=True),
    ]
    for a, b in pairs:
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)


def test_memoised_and_named_access() -> None:
    frame = random_market(5, 100)
    bank = IndicatorBank(frame, compute_indicators(frame))
    assert bank.sigma(20) is bank.sigma(20)
    assert bank.ema(7) is bank.ema(7)
    assert bank.get("adx") is bank.adx(14)
    with pytest.raises(KeyError):
        bank.get("nope")
    with pytest.raises(KeyError):
        IndicatorBank(frame).get("adx")


def test_mismatched_indicator_set_is_refused() -> None:
    frame = random_market(5, 100)
    with pytest.raises(ValueError):
        IndicatorBank(frame.tail(50), compute_indicators(frame))


def test_chosen_layers_seed_the_bank_and_absent_ones_are_computed_on_demand() -> None:
    frame = random_market(12, 200, seed=4)
    whole = compute_indicators(frame)
    bank = IndicatorBank(frame, compute_layers(frame, BANK_INDICATORS))
    assert bank.get("adx") is bank.adx(14)
    assert bank.ema(26) is bank.get("ema_slow")
    for name in ("cci", "gk_vol", "adx"):
        np.testing.assert_array_equal(bank.get(name), whole.get(name))
    assert bank.get("cci") is bank.get("cci")
    with pytest.raises(KeyError):
        bank.get("nope")
    lean = IndicatorBank(frame, compute_layers(frame, ["rsi"]))
    np.testing.assert_array_equal(lean.bbands(20, 2.0)[0], whole.bb_upper)


@pytest.mark.parametrize("workers", [2, 5])
@pytest.mark.usefixtures("small_parts")
def test_sigma_on_threads_equals_one_thread(workers: int) -> None:
    frame = random_market(23, 180, seed=6)
    one = IndicatorBank(frame).sigma(20)
    np.testing.assert_array_equal(IndicatorBank(frame, workers=workers).sigma(20), one)
    seeded = IndicatorBank(frame, compute_layers(frame, BANK_INDICATORS), workers=workers)
    np.testing.assert_allclose(seeded.sigma(20), one, rtol=1e-9, atol=1e-15)


def test_bad_worker_count_is_refused() -> None:
    with pytest.raises(ValueError, match="workers"):
        IndicatorBank(random_market(3, 50), workers=0)
