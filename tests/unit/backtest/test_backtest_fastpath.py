"""The numba fast path: hand-computed cases, agreement with a plain loop, the grid, support."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from backtest_frames import random_ohlc
from backtest_reference import reference_row
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.backtest.fastpath import (
    REASONS,
    ema_cross_signals,
    run_ema_cross_grid,
    run_signals,
    supports,
)
from simbiot.backtest.settings import BacktestSettings
from simbiot.signals.builtin import TrendEmaAdx

NO_COST = BacktestSettings(capital=1000.0, fee=0.0)


def _bars(rows: list[tuple[float, float, float, float]]) -> tuple[np.ndarray, ...]:
    arr = np.array(rows, dtype=np.float64).T
    return tuple(a[None, :].copy() for a in arr)


def _mask(n: int, on: list[int]) -> np.ndarray:
    m = np.zeros((1, n), dtype=bool)
    m[0, on] = True
    return m


FLAT4 = [(10, 11, 9, 10), (10, 11, 9, 10), (12, 13, 11, 12), (15, 16, 14, 15)]


def test_one_trade_fills_at_next_open_and_closes_at_end() -> None:
    o, h, lo, c = _bars(FLAT4)
    res = run_signals(_mask(4, [0]), _mask(4, []), o, h, lo, c, NO_COST)
    tr = res.trades
    assert len(tr) == 1
    assert (tr.entry_index[0], tr.exit_index[0]) == (1, 3)
    assert tr.entry_price[0] == 10.0
    assert tr.exit_price[0] == 15.0
    assert REASONS[tr.reason[0]] == "end"
    assert tr.amount[0] == pytest.approx(100.0)
    assert tr.pnl[0] == pytest.approx(500.0)
    assert res.equity is not None
    np.testing.assert_allclose(res.equity[0, 0], [1000, 1000, 1200, 1500])
    assert res.final_equity[0, 0] == pytest.approx(1500.0)


def test_signal_exit_fills_at_next_open() -> None:
    o, h, lo, c = _bars(FLAT4)
    res = run_signals(_mask(4, [0]), _mask(4, [1]), o, h, lo, c, NO_COST)
    assert (res.trades.exit_index[0], res.trades.exit_price[0]) == (2, 12.0)
    assert REASONS[res.trades.reason[0]] == "signal"


def test_fee_arithmetic() -> None:
    o, h, lo, c = _bars(FLAT4)
    s = BacktestSettings(capital=1000.0, fee=0.01)
    res = run_signals(_mask(4, [0]), _mask(4, [1]), o, h, lo, c, s)
    tr = res.trades
    amount = 1000.0 / (10.0 * 1.01)
    assert tr.amount[0] == pytest.approx(amount)
    assert tr.entry_fee[0] == pytest.approx(amount * 10.0 * 0.01)
    assert tr.exit_fee[0] == pytest.approx(amount * 12.0 * 0.01)
    expected_final = amount * 12.0 * 0.99
    assert res.final_equity[0, 0] == pytest.approx(expected_final)
    assert tr.pnl[0] == pytest.approx(expected_final - 1000.0)


def test_stop_loss_hit_inside_a_bar() -> None:
    rows = [(10, 10, 10, 10), (10, 10.5, 9.8, 10), (10, 10.2, 9.0, 9.5), (9.5, 9.6, 9.4, 9.5)]
    o, h, lo, c = _bars(rows)
    s = BacktestSettings(capital=1000.0, fee=0.0, stop_loss=0.05)
    res = run_signals(_mask(4, [0]), _mask(4, []), o, h, lo, c, s)
    tr = res.trades
    assert REASONS[tr.reason[0]] == "stop_loss"
    assert (tr.exit_index[0], tr.exit_price[0]) == (2, pytest.approx(9.5))
    assert tr.pnl[0] == pytest.approx(-50.0)


def test_stop_loss_gap_fills_at_open() -> None:
    rows = [(10, 10, 10, 10), (10, 10.5, 9.8, 10), (8, 8.5, 7.5, 8), (8, 8, 8, 8)]
    o, h, lo, c = _bars(rows)
    s = BacktestSettings(capital=1000.0, fee=0.0, stop_loss=0.05)
    res = run_signals(_mask(4, [0]), _mask(4, []), o, h, lo, c, s)
    assert res.trades.exit_price[0] == 8.0


def test_take_profit_hit_and_stop_has_priority() -> None:
    rows = [(10, 10, 10, 10), (10, 10.5, 9.8, 10), (10, 11.5, 9.9, 11), (11, 11, 11, 11)]
    o, h, lo, c = _bars(rows)
    s = BacktestSettings(capital=1000.0, fee=0.0, take_profit=0.1, stop_loss=0.05)
    res = run_signals(_mask(4, [0]), _mask(4, []), o, h, lo, c, s)
    assert REASONS[res.trades.reason[0]] == "take_profit"
    assert res.trades.exit_price[0] == pytest.approx(11.0)
    both = [(10, 10, 10, 10), (10, 10.5, 9.8, 10), (10, 11.5, 9.0, 11), (11, 11, 11, 11)]
    res = run_signals(_mask(4, [0]), _mask(4, []), *_bars(both), s)
    assert REASONS[res.trades.reason[0]] == "stop_loss"


def test_a_stop_reached_on_the_bar_of_a_pending_exit_fills_at_the_stop() -> None:
    # Entry at bar 1's open (10); the exit signal at bar 1's close is pending at bar 2,
    # whose range reaches the 5 % stop (9.5) although it opens above it (9.8).
    rows = [(10, 10, 10, 10), (10, 10.2, 9.9, 10), (9.8, 9.9, 9.0, 9.2), (9, 9, 9, 9)]
    o, h, lo, c = _bars(rows)
    s = BacktestSettings(capital=1000.0, fee=0.001, slippage=0.001, stop_loss=0.05)
    res = run_signals(_mask(4, [0]), _mask(4, [1]), o, h, lo, c, s)
    tr = res.trades
    assert len(tr) == 1
    assert (tr.entry_index[0], tr.exit_index[0]) == (1, 2)
    assert REASONS[tr.reason[0]] == "stop_loss"
    assert tr.exit_price[0] == pytest.approx(10 * 1.001 * 0.95 * 0.999)
    # Without the stop the pending exit fills at that bar's open.
    plain = run_signals(_mask(4, [0]), _mask(4, [1]), o, h, lo, c, s.model_copy(
        update={"stop_loss": None}
    )).trades  # fmt: skip
    assert REASONS[plain.reason[0]] == "signal"
    assert plain.exit_price[0] == pytest.approx(9.8 * 0.999)
    # A bar gapping through the stop fills both readings at its open: the stop's reason.
    gap = [(10, 10, 10, 10), (10, 10.2, 9.9, 10), (9.0, 9.9, 8.5, 9.2), (9, 9, 9, 9)]
    tr = run_signals(_mask(4, [0]), _mask(4, [1]), *_bars(gap), s).trades
    assert REASONS[tr.reason[0]] == "stop_loss"
    assert tr.exit_price[0] == pytest.approx(9.0 * 0.999)


def test_a_take_profit_reached_on_the_bar_of_a_pending_exit_fills_at_its_level() -> None:
    rows = [(10, 10, 10, 10), (10, 10.2, 9.9, 10), (10.1, 11.5, 10.0, 10.2), (9, 9, 9, 9)]
    s = BacktestSettings(capital=1000.0, fee=0.0, take_profit=0.1)
    tr = run_signals(_mask(4, [0]), _mask(4, [1]), *_bars(rows), s).trades
    assert (tr.exit_index[0], REASONS[tr.reason[0]]) == (2, "take_profit")
    assert tr.exit_price[0] == pytest.approx(11.0)


def test_stops_on_entry_bar_switch() -> None:
    rows = [(10, 10, 10, 10), (10, 10.2, 9.0, 10), (10, 10, 10, 10)]
    o, h, lo, c = _bars(rows)
    on = BacktestSettings(capital=1000.0, fee=0.0, stop_loss=0.05)
    off = on.model_copy(update={"stops_on_entry_bar": False})
    assert run_signals(_mask(3, [0]), _mask(3, []), o, h, lo, c, on).trades.exit_index[0] == 1
    res = run_signals(_mask(3, [0]), _mask(3, []), o, h, lo, c, off)
    assert REASONS[res.trades.reason[0]] == "end"


def test_slippage_and_missing_fill_bar() -> None:
    rows = [(10, 10, 10, 10), (np.nan,) * 4, (10, 11, 9.9, 10), (10, 10, 10, 10)]
    o, h, lo, c = _bars(rows)
    s = BacktestSettings(capital=1000.0, fee=0.0, slippage=0.01)
    assert len(run_signals(_mask(4, [0]), _mask(4, []), o, h, lo, c, s).trades) == 0
    res = run_signals(_mask(4, [2]), _mask(4, []), o, h, lo, c, s)
    assert res.trades.entry_price[0] == pytest.approx(10.1)


def test_exit_beats_entry_on_one_bar() -> None:
    o, h, lo, c = _bars(FLAT4)
    res = run_signals(_mask(4, [0]), _mask(4, [0]), o, h, lo, c, NO_COST)
    assert len(res.trades) == 0


def test_no_close_at_end_keeps_mark_to_market() -> None:
    o, h, lo, c = _bars(FLAT4)
    s = NO_COST.model_copy(update={"close_at_end": False})
    res = run_signals(_mask(4, [0]), _mask(4, []), o, h, lo, c, s)
    assert len(res.trades) == 0
    assert res.final_equity[0, 0] == pytest.approx(1500.0)


def _compare(o, h, lo, c, ent, ext, s: BacktestSettings, sl: float, tp: float) -> None:
    res = run_signals(ent, ext, o, h, lo, c, s, stop_loss=sl, take_profit=tp)
    cap = s.capital / c.shape[0]
    for r in range(c.shape[0]):
        ref, eq = reference_row(
            ent[r], ext[r], o[r], h[r], lo[r], c[r], capital=cap, fraction=s.fraction,
            fee=s.fee, slippage=s.slippage, stop_loss=sl, take_profit=tp,
            stops_on_entry_bar=s.stops_on_entry_bar, close_at_end=s.close_at_end,
        )  # fmt: skip
        mine = res.trades.row == r
        assert int(mine.sum()) == len(ref) == res.trade_count[0, r]
        got = [
            (int(a), int(b), float(p), float(q), str(REASONS[z]))
            for a, b, p, q, z in zip(
                res.trades.entry_index[mine], res.trades.exit_index[mine],
                res.trades.entry_price[mine], res.trades.exit_price[mine],
                res.trades.reason[mine], strict=True,
            )
        ]  # fmt: skip
        want = [(t.entry_index, t.exit_index, t.entry_price, t.exit_price, t.reason) for t in ref]
        assert got == want
        np.testing.assert_allclose(res.trades.fee[mine], [t.fee for t in ref], rtol=1e-12)
        assert res.equity is not None
        np.testing.assert_allclose(res.equity[0, r], eq, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    fee=st.sampled_from([0.0, 0.001, 0.0075]),
    slip=st.sampled_from([0.0, 0.0005]),
    sl=st.sampled_from([0.0, 0.02, 0.05]),
    tp=st.sampled_from([0.0, 0.03, 0.1]),
    entry_bar=st.booleans(),
    at_end=st.booleans(),
    fraction=st.sampled_from([1.0, 0.5]),
)
def test_fast_path_matches_plain_loop(
    seed: int, fee: float, slip: float, sl: float, tp: float, entry_bar: bool, at_end: bool,
    fraction: float,
) -> None:  # fmt: skip
    o, h, lo, c = random_ohlc(4, 300, seed, nan_head=True)
    rng = np.random.default_rng(seed + 1)
    ent, ext = rng.random(c.shape) < 0.08, rng.random(c.shape) < 0.08
    s = BacktestSettings(
        capital=4000.0, fee=fee, slippage=slip, fraction=fraction,
        stops_on_entry_bar=entry_bar, close_at_end=at_end,
    )  # fmt: skip
    _compare(o, h, lo, c, ent, ext, s, sl, tp)


def test_stack_of_sets_equals_separate_runs() -> None:
    o, h, lo, c = random_ohlc(3, 400, 5)
    rng = np.random.default_rng(9)
    ent, ext = rng.random((2, *c.shape)) < 0.05, rng.random((2, *c.shape)) < 0.05
    s = BacktestSettings(capital=3000.0)
    both = run_signals(ent, ext, o, h, lo, c, s, stop_loss=[0.03, 0.0])
    for p, sl in enumerate((0.03, 0.0)):
        one = run_signals(ent[p], ext[p], o, h, lo, c, s, stop_loss=sl)
        np.testing.assert_array_equal(both.final_equity[p], one.final_equity[0])
        mine = both.trades.set_index == p
        np.testing.assert_array_equal(both.trades.exit_price[mine], one.trades.exit_price)
        np.testing.assert_array_equal(both.trades.row[mine], one.trades.row)


def test_grid_matches_signal_stack() -> None:
    o, h, lo, c = random_ohlc(5, 600, 11, nan_head=True)
    fast, slow = np.array([5, 8, 12]), np.array([20, 21, 26])
    s = BacktestSettings(capital=5000.0, stop_loss=0.05)
    grid = run_ema_cross_grid(o, h, lo, c, fast, slow, s)
    for p in range(3):
        ent, ext = ema_cross_signals(c, int(fast[p]), int(slow[p]))
        one = run_signals(ent, ext, o, h, lo, c, s, keep_equity=False)
        np.testing.assert_array_equal(grid.trade_count[p], one.trade_count[0])
        np.testing.assert_allclose(grid.final_equity[p], one.final_equity[0], rtol=1e-13)
        np.testing.assert_allclose(grid.max_drawdown[p], one.max_drawdown[0], rtol=1e-13)
    assert grid.total_return.shape == (3, 5)
    # One symbol per bank chunk gives the same answer.
    small = run_ema_cross_grid(o, h, lo, c, fast, slow, s, bank_bytes=1)
    np.testing.assert_array_equal(small.final_equity, grid.final_equity)
    np.testing.assert_array_equal(small.trade_count, grid.trade_count)


def test_max_drawdown_and_exposure_summaries() -> None:
    o, h, lo, c = _bars(FLAT4)
    c2 = c.copy()
    c2[0, 2] = 6.0
    res = run_signals(_mask(4, [0]), _mask(4, []), o, h, lo, c2, NO_COST)
    assert res.max_drawdown[0, 0] == pytest.approx(0.4)
    assert res.bars_in_market[0, 0] == 3


def test_input_validation() -> None:
    o, h, lo, c = _bars(FLAT4)
    with pytest.raises(ValueError, match="boolean"):
        run_signals(np.zeros((1, 4)), _mask(4, []), o, h, lo, c, NO_COST)
    with pytest.raises(ValueError, match="shape"):
        run_signals(_mask(5, []), _mask(4, []), o, h, lo, c, NO_COST)
    with pytest.raises(ValueError, match="share"):
        run_signals(_mask(4, []), _mask(4, []), o, h[:, :3], lo, c, NO_COST)
    with pytest.raises(ValueError, match=">= 0"):
        run_signals(_mask(4, []), _mask(4, []), o, h, lo, c, NO_COST, stop_loss=-0.1)
    with pytest.raises(ValueError, match="below 1"):
        run_signals(_mask(4, []), _mask(4, []), o, h, lo, c, NO_COST, stop_loss=1.0)
    with pytest.raises(ValueError, match="one period per set"):
        run_ema_cross_grid(o, h, lo, c, [3, 4], [10], NO_COST)


def test_ema_cross_signals_alternate() -> None:
    _, _, _, c = random_ohlc(3, 500, 2)
    ent, ext = ema_cross_signals(c, 12, 26)
    assert ent.shape == c.shape
    assert ent.dtype == bool
    for r in range(3):
        events = sorted(
            [(t, 1) for t in np.flatnonzero(ent[r])] + [(t, -1) for t in np.flatnonzero(ext[r])]
        )
        kinds = [k for _, k in events]
        assert all(a != b for a, b in itertools.pairwise(kinds))
    assert not ent[:, :26].any()


class _Short:
    name = "short"
    description = ""
    side = "entry_short"

    def parameters(self) -> dict[str, object]:
        return {}

    def required_indicators(self, params: object) -> set[object]:
        return set()

    def evaluate(self, ctx: object, params: object) -> object:
        return None


def test_supports_says_why() -> None:
    assert supports(TrendEmaAdx())
    assert not supports(object())
    assert "not a Strategy" in supports(object()).reason
    short = supports(_Short())
    assert not short
    assert "long-only" in short.reason
    stateful = _Short()
    stateful.side = "entry_long"  # type: ignore[assignment]
    stateful.needs_position_state = True  # type: ignore[attr-defined]
    assert "event-driven" in supports(stateful).reason


def test_ignore_math_nan_in_summary() -> None:
    o, h, lo, c = random_ohlc(2, 50, 3, nan_head=True)
    o[:, :] = np.nan
    res = run_signals(np.ones_like(c, bool), np.zeros_like(c, bool), o, h, lo, c, NO_COST)
    assert len(res.trades) == 0
    assert all(math.isclose(x, 500.0) for x in res.final_equity[0])
