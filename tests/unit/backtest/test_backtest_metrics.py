"""A8 metrics: hand-computed values, stated edge cases, and properties on random curves."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.backtest.metrics import compute_metrics, compute_metrics_async, drawdown
from simbiot.backtest.trades import Trade

H = 3_600_000
T0 = 1_704_067_200_000


def _ts(n: int) -> np.ndarray:
    return T0 + H * np.arange(n, dtype=np.int64)


def _trade(pnl: float, entry: int = 0, exit_: int = 1, fee: float = 1.0) -> Trade:
    return Trade("A/USDT", "long", T0 + entry * H, T0 + exit_ * H, 100.0, 100.0 + pnl, 1.0,
                 fee, pnl, "signal", T0 + (entry - 1) * H)  # fmt: skip


def test_hand_computed_curve() -> None:
    eq = np.array([100.0, 110.0, 99.0, 121.0, 121.0])
    m = compute_metrics(
        _ts(5), eq, [_trade(10.0), _trade(-5.0, 2, 3), _trade(20.0, 3, 3)], timeframe="1h"
    )
    assert m.total_return == pytest.approx(0.21)
    assert m.max_drawdown == pytest.approx(0.1)
    assert (m.max_drawdown_bars, m.max_drawdown_ms) == (2, 2 * H)
    r = np.array([0.1, -0.1, 121 / 99 - 1, 0.0])
    n_year = 365 * 24
    assert m.sharpe == pytest.approx(r.mean() / r.std(ddof=1) * math.sqrt(n_year))
    down = math.sqrt(np.mean(np.minimum(r, 0) ** 2))
    assert m.sortino == pytest.approx(r.mean() / down * math.sqrt(n_year))
    years = 4 * H / (365 * 86_400_000)
    assert m.cagr == pytest.approx(1.21 ** (1 / years) - 1)
    assert m.calmar == pytest.approx(m.cagr / 0.1)
    assert m.trades == 3
    assert m.win_rate == pytest.approx(2 / 3)
    assert m.profit_factor == pytest.approx(30 / 5)
    assert m.expectancy == pytest.approx(25 / 3)
    assert m.avg_trade_return == pytest.approx((0.1 - 0.05 + 0.2) / 3)
    assert m.fees == pytest.approx(3.0)
    # Trades cover bars 0-1 and 2-3: four of five bars.
    assert m.exposure == pytest.approx(0.8)


def test_no_trades_and_flat_equity() -> None:
    m = compute_metrics(_ts(10), np.full(10, 50.0), [], timeframe="1h")
    assert m.total_return == 0.0
    assert (m.sharpe, m.sortino, m.calmar) == (None, None, None)
    assert (m.win_rate, m.profit_factor, m.expectancy, m.avg_trade_return) == (None,) * 4
    assert m.max_drawdown == 0.0
    assert m.max_drawdown_bars == 0
    assert m.exposure == 0.0
    assert m.cagr == 0.0


def test_all_wins_and_never_falling() -> None:
    eq = np.array([100.0, 101.0, 103.0, 103.0, 106.0])
    m = compute_metrics(_ts(5), eq, [_trade(1.0), _trade(2.0)], timeframe="1h")
    assert m.profit_factor == math.inf
    assert m.sortino == math.inf
    assert m.calmar is None
    assert m.win_rate == 1.0
    assert m.to_json()["profit_factor"] == "inf"


def test_zero_pnl_trades_and_wipe_out() -> None:
    m = compute_metrics(_ts(3), np.array([100.0, 50.0, 0.0]), [_trade(0.0)], timeframe="1h")
    assert m.profit_factor is None
    assert m.win_rate == 0.0
    assert m.cagr == -1.0
    assert m.max_drawdown == 1.0
    assert m.total_return == -1.0


def test_short_and_degenerate_curves() -> None:
    one = compute_metrics(_ts(1), np.array([10.0]), [])
    assert (one.total_return, one.cagr, one.sharpe, one.bars) == (0.0, None, None, 1)
    empty = compute_metrics(np.array([], np.int64), np.array([]), [])
    assert empty.bars == 0
    assert empty.total_return == 0.0
    two = compute_metrics(_ts(2), np.array([10.0, 11.0]), [])
    assert two.sharpe is None


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="shapes"):
        compute_metrics(_ts(3), np.ones(4), [])
    with pytest.raises(ValueError, match="finite"):
        compute_metrics(_ts(3), np.array([1.0, np.nan, 1.0]), [])
    with pytest.raises(ValueError, match="finite"):
        compute_metrics(_ts(2), np.array([1.0, -1.0]), [])
    with pytest.raises(ValueError, match="increase"):
        compute_metrics(np.array([2, 1]), np.array([1.0, 1.0]), [])
    with pytest.raises(ValueError, match="timeframe"):
        compute_metrics(_ts(2), np.ones(2), [], timeframe="7x")


def test_bar_length_inferred_without_timeframe() -> None:
    eq = np.array([100.0, 110.0, 99.0, 121.0])
    a = compute_metrics(_ts(4), eq, [], timeframe="1h")
    b = compute_metrics(_ts(4), eq, [])
    assert a == b


def test_async_matches_sync() -> None:
    eq = np.array([100.0, 110.0, 99.0, 121.0])
    sync = compute_metrics(_ts(4), eq, [_trade(3.0)], timeframe="1h")
    assert asyncio.run(compute_metrics_async(_ts(4), eq, [_trade(3.0)], timeframe="1h")) == sync


curves = st.lists(st.floats(0.5, 2.0), min_size=1, max_size=200).map(
    lambda xs: 100.0 * np.cumprod(np.array(xs))
)
pnls = st.lists(st.floats(-1e4, 1e4, allow_nan=False), max_size=50)


@settings(max_examples=200, deadline=None)
@given(eq=curves, pnl=pnls, scale=st.floats(0.01, 1e4))
def test_properties(eq: np.ndarray, pnl: list[float], scale: float) -> None:
    ts = _ts(len(eq))
    trades = [_trade(p, i % max(len(eq), 1), i % max(len(eq), 1)) for i, p in enumerate(pnl)]
    m = compute_metrics(ts, eq, trades, timeframe="1h")
    for v in m.to_json().values():
        assert not (isinstance(v, float) and math.isnan(v))
    assert 0.0 <= m.max_drawdown <= 1.0
    assert 0.0 <= m.exposure <= 1.0
    assert m.total_return == pytest.approx(eq[-1] / eq[0] - 1)
    assert m.max_drawdown == pytest.approx(float(np.max(1 - eq / np.maximum.accumulate(eq))))
    assert m.trades == len(pnl)
    if pnl:
        assert m.win_rate is not None
        assert 0.0 <= m.win_rate <= 1.0
        assert m.expectancy == pytest.approx(float(np.mean(pnl)))
        assert m.profit_factor is None or m.profit_factor >= 0
    # Scale invariance: returns, ratios and drawdowns ignore the account size.
    s = compute_metrics(ts, eq * scale, trades, timeframe="1h")
    for name in ("total_return", "max_drawdown", "sharpe", "sortino", "cagr"):
        a, b = getattr(m, name), getattr(s, name)
        assert (a is None) == (b is None)
        if a is not None and math.isfinite(a):
            assert b == pytest.approx(a, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(eq=curves)
def test_drawdown_series(eq: np.ndarray) -> None:
    dd = drawdown(eq)
    assert dd.shape == eq.shape
    assert dd[0] == 0.0
    assert np.all((dd >= 0) & (dd <= 1))
    assert np.all(dd[eq >= np.maximum.accumulate(eq)] == 0)
