"""FastPathCompatible against the fast path's kernel on random masks and candles."""

from __future__ import annotations

import numpy as np
from event_market import assert_same_trades, market
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.backtest.event import FastPathCompatible, replay_fastpath
from simbiot.backtest.fastpath import run_signals
from simbiot.backtest.settings import BacktestSettings
from simbiot.backtest.trades import trades_from_fast
from simbiot.signals.frame import SignalFrame


def _frame_with_holes(seed: int, n_sym: int, n_t: int, holes: float):
    frame = market(n_sym, n_t, seed)
    rng = np.random.default_rng(seed + 1)
    gone = rng.random((n_sym, n_t)) < holes
    for name in ("open", "high", "low", "close"):
        getattr(frame, name)[gone] = np.nan
    return frame, rng


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_sym=st.integers(1, 4),
    n_t=st.integers(2, 120),
    density=st.floats(0.0, 0.5),
    holes=st.sampled_from([0.0, 0.05]),
    stop_loss=st.sampled_from([None, 0.01, 0.05]),
    take_profit=st.sampled_from([None, 0.02, 0.1]),
    fraction=st.sampled_from([1.0, 0.3]),
    slippage=st.sampled_from([0.0, 0.001]),
    on_entry_bar=st.booleans(),
    close_at_end=st.booleans(),
)
def test_random_masks_give_the_kernels_trades_and_equity(
    seed: int, n_sym: int, n_t: int, density: float, holes: float, stop_loss: float | None,
    take_profit: float | None, fraction: float, slippage: float, on_entry_bar: bool,
    close_at_end: bool,
) -> None:  # fmt: skip
    frame, rng = _frame_with_holes(seed, n_sym, n_t, holes)
    entry = rng.random((n_sym, n_t)) < density
    exit_ = rng.random((n_sym, n_t)) < density
    s = BacktestSettings(
        capital=1_000.0, fee=0.001, slippage=slippage, stop_loss=stop_loss,
        take_profit=take_profit, fraction=fraction, stops_on_entry_bar=on_entry_bar,
        close_at_end=close_at_end,
    )  # fmt: skip
    sig = SignalFrame(
        frame.symbols, frame.timestamp, entry, exit_, np.ones((n_sym, n_t)), lambda r, t, s: ""
    )
    got = replay_fastpath(frame, sig, s)
    fast = run_signals(entry, exit_, frame.open, frame.high, frame.low, frame.close, s)
    want = trades_from_fast(fast.trades, frame.symbols, frame.timestamp)
    assert_same_trades(got.trades, want, tol=0.0)
    assert fast.equity is not None
    np.testing.assert_array_equal(got.symbol_equity, fast.equity[0])


def test_a_missing_candle_drops_the_pending_order() -> None:
    s = BacktestSettings(capital=100.0, fee=0.0)
    model = FastPathCompatible(s, 1)
    one = np.ones(1)
    yes, no = np.array([True]), np.array([False])
    model.on_bar(0, one, one, one, one, yes, no)
    nan = np.full(1, np.nan)
    fills, eq = model.on_bar(1, nan, nan, nan, nan, no, no)
    assert not model.in_pos[0]
    assert len(fills.row) == 0
    assert eq[0] == 100.0
    model.on_bar(2, one, one, one, one, no, no)
    assert not model.in_pos[0]


def test_a_stop_comes_before_the_exit_pending_at_the_open() -> None:
    s = BacktestSettings(capital=100.0, fee=0.0, stop_loss=0.05)
    model = FastPathCompatible(s, 2)
    yes, no = np.array([True, True]), np.array([False, False])
    ten = np.full(2, 10.0)
    model.on_bar(0, ten, ten, ten, ten, yes, no)
    model.on_bar(1, ten, ten, ten, ten, no, yes)  # both enter at 10; exits now pending
    # Symbol 0's bar reaches the 9.5 stop after opening at 9.8; symbol 1's does not.
    o, h, lo, c = np.array([9.8, 9.8]), np.array([9.9, 9.9]), np.array([9.0, 9.6]), ten
    fills, _ = model.on_bar(2, o, h, lo, c, no, no)
    assert fills.row.tolist() == [0, 1]
    assert fills.reason.tolist() == [1, 0]  # stop_loss, signal
    np.testing.assert_allclose(fills.exit_price, [9.5, 9.8])
