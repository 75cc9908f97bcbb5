"""The replay reads one bar at a time: no later candle or signal reaches an earlier trade."""

from __future__ import annotations

import numpy as np
import pytest
from event_market import assert_same_trades, market

from simbiot.backtest.event import BarSignals, evaluate_strategy, replay_fastpath
from simbiot.backtest.settings import BacktestSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.frame import MarketFrame
from simbiot.signals.builtin import BUILTINS, TrendEmaAdx
from simbiot.signals.frame import SignalFrame

SETTINGS = BacktestSettings(fee=0.001, stop_loss=0.03, take_profit=0.06)


def _head(frame: MarketFrame, n: int) -> MarketFrame:
    return MarketFrame(
        frame.exchange, frame.timeframe, frame.symbols, frame.timestamp[:n],
        *(np.ascontiguousarray(getattr(frame, f)[:, :n]) for f in (
            "open", "high", "low", "close", "volume",
        )),
    )  # fmt: skip


@pytest.mark.parametrize("strategy_cls", BUILTINS)
def test_a_bars_signal_is_what_a_live_evaluation_at_that_close_gives(
    strategy_cls: type,
) -> None:
    frame = market(4, 600, 21, nan_head=True)
    strategy = strategy_cls()
    _, full = evaluate_strategy(frame, strategy, {})
    for t in (150, 333, 599):
        _, live = evaluate_strategy(_head(frame, t + 1), strategy, {})
        bar = BarSignals(full, t)
        np.testing.assert_array_equal(bar.entry, live.entry[:, t])
        np.testing.assert_array_equal(bar.exit, live.exit[:, t])


def test_changing_the_future_leaves_earlier_trades_alone() -> None:
    frame = market(4, 800, 8)
    cut = 500
    _, signals = evaluate_strategy(frame, TrendEmaAdx(), {"adx_min": 10.0})
    base = replay_fastpath(frame, signals, SETTINGS)
    rng = np.random.default_rng(0)
    future = {f: getattr(frame, f).copy() for f in ("open", "high", "low", "close", "volume")}
    for arr in future.values():
        arr[:, cut:] *= rng.uniform(0.5, 1.5, arr[:, cut:].shape)
    future["high"] = np.maximum.reduce([future["open"], future["high"], future["close"]])
    future["low"] = np.minimum.reduce([future["open"], future["low"], future["close"]])
    other = MarketFrame(frame.exchange, frame.timeframe, frame.symbols, frame.timestamp, **future)
    flipped = SignalFrame(
        signals.symbols, signals.timestamp,
        np.concatenate([signals.entry[:, :cut], ~signals.entry[:, cut:]], axis=1),
        np.concatenate([signals.exit[:, :cut], ~signals.exit[:, cut:]], axis=1),
        signals.strength, signals.reason,
    )  # fmt: skip
    changed = replay_fastpath(other, flipped, SETTINGS)
    end = int(frame.timestamp[cut - 1])
    before = [t for t in base.trades if t.exit_time <= end]
    assert len(before) > 5
    assert_same_trades([t for t in changed.trades if t.exit_time <= end], before, tol=0.0)
    np.testing.assert_array_equal(changed.symbol_equity[:, :cut], base.symbol_equity[:, :cut])
    assert changed.trades != base.trades


def test_clock_stands_at_each_bar_close() -> None:
    frame = market(2, 50, 1)
    _, signals = evaluate_strategy(frame, TrendEmaAdx(), {})
    clock = SimulatedClock(0)
    seen: list[int] = []
    replay_fastpath(
        frame, signals, SETTINGS, clock=clock, on_bar=lambda t, d: seen.append(clock.now_ms())
    )
    np.testing.assert_array_equal(seen, frame.timestamp + 3_600_000)


def test_a_clock_ahead_of_the_data_is_refused() -> None:
    frame = market(1, 20, 1)
    _, signals = evaluate_strategy(frame, TrendEmaAdx(), {})
    with pytest.raises(ValueError, match="backwards"):
        replay_fastpath(
            frame, signals, SETTINGS, clock=SimulatedClock(int(frame.timestamp[-1]) * 2)
        )
