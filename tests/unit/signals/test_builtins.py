from __future__ import annotations

import numpy as np
import pytest
import talib
from signal_frames import make_frame

from simbiot.domain.errors import ConfigError
from simbiot.signals.builtin import DonchianBreakout, MeanReversion, TrendEmaAdx, VolatilitySqueeze
from simbiot.signals.context import SignalInputs
from simbiot.signals.frame import SignalFrame
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import Side
from simbiot.signals.params import resolve_params
from simbiot.signals.strategy import Strategy


def _eval(strategy: Strategy, frame, **params) -> SignalFrame:  # type: ignore[no-untyped-def]
    values = resolve_params(strategy.parameters(), params, strategy.name)
    return strategy.evaluate(SignalInputs(frame).context(IndicatorCache()), values)


@pytest.mark.parametrize("cls", [TrendEmaAdx, MeanReversion, DonchianBreakout, VolatilitySqueeze])
def test_builtins_satisfy_the_protocol_with_documented_params(cls: type) -> None:
    s = cls()
    assert isinstance(s, Strategy)
    for name, spec in s.parameters().items():
        assert spec.doc, name
        assert spec.problem() is None


def test_trend_entry_at_the_known_cross_and_exit_on_the_cross_back() -> None:
    close = np.concatenate(
        [np.full(60, 100.0), np.linspace(100.5, 130, 40), np.linspace(129, 100, 40)]
    )
    out = _eval(TrendEmaAdx(), make_frame([close]), fast=5, slow=20, adx_min=0.0)
    # Both EMAs equal 100 on the flat part, so the first rising bar is the cross.
    assert np.flatnonzero(out.entry[0]).tolist() == [60]
    fast, slow = talib.EMA(close, 5), talib.EMA(close, 20)
    expected_exit = [
        t for t in range(1, len(close)) if fast[t] < slow[t] and fast[t - 1] >= slow[t - 1]
    ]
    assert np.flatnonzero(out.exit[0]).tolist() == expected_exit
    assert "EMA5=" in out.reason(0, 60, Side.ENTRY_LONG)
    assert "ADX14=" in out.reason(0, 60, Side.ENTRY_LONG)


def test_trend_adx_filter_blocks_weak_trends() -> None:
    close = np.concatenate([np.full(60, 100.0), np.linspace(100.5, 130, 40)])
    assert not _eval(TrendEmaAdx(), make_frame([close]), fast=5, slow=20, adx_min=60.0).entry.any()


def test_trend_rejects_fast_not_below_slow() -> None:
    with pytest.raises(ConfigError, match="fast"):
        TrendEmaAdx().required_indicators({"fast": 30, "slow": 20, "adx_len": 14, "adx_min": 20.0})


def test_mean_reversion_buys_the_rsi_dip_below_the_band_and_exits_at_the_mean() -> None:
    t = np.arange(80)
    close = 100 + 0.5 * np.sin(t / 2.0)
    close[60:64] = close[59] * np.array([0.97, 0.94, 0.92, 0.91])
    close[64:] = np.linspace(close[63], 101, 16)
    out = _eval(MeanReversion(), make_frame([close]))
    entries = np.flatnonzero(out.entry[0]).tolist()
    assert entries
    assert entries[0] == 60
    assert max(entries) <= 65
    assert out.strength[0, 61] > 0
    first_exit = int(np.flatnonzero(out.exit[0, 64:])[0]) + 64
    assert (
        close[first_exit] >= talib.SMA(close, 20)[first_exit]
        or talib.RSI(close, 14)[first_exit] > 55
    )
    assert "RSI14=" in out.reason(0, 60, Side.ENTRY_LONG)


def test_mean_reversion_ignores_a_calm_market() -> None:
    close = 100 + 0.5 * np.sin(np.arange(80) / 2.0)
    assert not _eval(MeanReversion(), make_frame([close])).entry.any()


def test_donchian_breakout_needs_the_volume_spike() -> None:
    rng = np.random.default_rng(3)
    close = 100 + rng.uniform(-1, 1, 60)
    close[50] = 106.0
    high, low = close + 0.3, close - 0.3
    volume = 1000 + rng.uniform(-50, 50, 60)
    spiked = volume.copy()
    spiked[50] = 10_000
    with_volume = _eval(
        DonchianBreakout(), make_frame([close], high=[high], low=[low], volume=[spiked])
    )
    assert np.flatnonzero(with_volume.entry[0]).tolist() == [50]
    assert with_volume.strength[0, 50] == 1.0
    quiet = _eval(DonchianBreakout(), make_frame([close], high=[high], low=[low], volume=[volume]))
    assert not quiet.entry.any()
    assert "20-bar high" in with_volume.reason(0, 50, Side.ENTRY_LONG)


def test_squeeze_then_expansion() -> None:
    rng = np.random.default_rng(5)
    wild = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, 150)))
    quiet = wild[-1] * (1 + 0.0005 * np.sin(np.arange(25)))
    close = np.concatenate([wild, quiet, [quiet[-1] * 1.03]])
    out = _eval(VolatilitySqueeze(), make_frame([close]))
    assert np.flatnonzero(out.entry[0]).tolist() == [len(close) - 1]
    # Without the quiet spell the same jump is no squeeze breakout.
    noisy = np.concatenate([wild, wild[-1] * np.exp(np.cumsum(rng.normal(0, 0.03, 25))), [0]])
    noisy[-1] = noisy[-2] * 1.03
    assert not _eval(VolatilitySqueeze(), make_frame([noisy])).entry[0, -1]


def test_squeeze_rank_is_shared_between_thresholds() -> None:
    from signal_frames import random_frame

    cache = IndicatorCache()
    ctx = SignalInputs(random_frame(4, 200, seed=2)).context(cache)
    s = VolatilitySqueeze()
    for pct in (0.1, 0.2):
        s.evaluate(ctx, resolve_params(s.parameters(), {"squeeze_pct": pct}, s.name))
    ranks = [k for _, k in cache.cached_keys() if k[0] == "rank|bb_width"]
    assert ranks == [("rank|bb_width", (20, 2.0, 120))]
