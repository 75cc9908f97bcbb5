"""The bar loop of the fast-path-compatible mode: clock, one signal column per bar, trades."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from simbiot.backtest.event.fills import BarFills, FastPathCompatible
from simbiot.backtest.fastpath import REASONS
from simbiot.backtest.settings import BacktestSettings
from simbiot.backtest.trades import Trade
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.frame import MarketFrame
from simbiot.domain.timeframes import timeframe_ms
from simbiot.signals.frame import SignalFrame

__all__ = ["BarSignals", "Replay", "replay_fastpath"]

# (bar index, share of the bars done in [0, 1]) after each bar.
BarProgress = Callable[[int, float], None]


class BarSignals:
    """The strategy's answer at one bar only: what a live evaluation at that close gives.

    The replay hands the fill model these columns and nothing else, so no later bar's
    signal can reach a decision taken at bar ``t``.
    """

    __slots__ = ("entry", "exit", "t")

    def __init__(self, signals: SignalFrame, t: int) -> None:
        self.t = t
        self.entry: npt.NDArray[np.bool_] = signals.entry[:, t].copy()
        self.exit: npt.NDArray[np.bool_] = signals.exit[:, t].copy()


class Replay:
    """Trades and per-symbol equity curves of one replay; ``fills`` as the engine booked them.

    ``fills`` holds (bar index, symbol, side, price, amount, fee, time in ms on the
    replay's clock) of every fill in booking order; the fast-path mode books none.
    """

    def __init__(
        self,
        trades: list[Trade],
        symbol_equity: npt.NDArray[np.float64],
        fills: Sequence[tuple[int, str, str, float, float, float, int]] = (),
    ) -> None:
        self.trades = trades
        self.symbol_equity = symbol_equity
        self.fills = list(fills)


def replay_fastpath(
    frame: MarketFrame,
    signals: SignalFrame,
    settings: BacktestSettings,
    *,
    clock: SimulatedClock | None = None,
    on_bar: BarProgress | None = None,
) -> Replay:
    """Replay ``frame`` bar by bar with the fast path's fill model.

    The clock stands at each bar's close while its signals are read; fills of bar ``t``
    happen at its open (the clock's previous reading). Raise ValueError when ``clock``
    already stands past the first bar's close (simulated time never goes backwards).
    """
    n_sym, n_t = frame.shape
    step = timeframe_ms(frame.timeframe)
    clock = clock or SimulatedClock(int(frame.timestamp[0]) if n_t else 0)
    model = FastPathCompatible(settings, n_sym)
    equity = np.empty((n_sym, n_t), dtype=np.float64)
    trades: list[Trade] = []
    for t in range(n_t):
        clock.set(int(frame.timestamp[t]) + step)
        bar = BarSignals(signals, t)
        fills, eq = model.on_bar(
            t, frame.open[:, t], frame.high[:, t], frame.low[:, t], frame.close[:, t],
            bar.entry, bar.exit,
        )  # fmt: skip
        equity[:, t] = eq
        trades.extend(_records(fills, frame))
        if on_bar is not None:
            on_bar(t, (t + 1) / n_t)
    last = model.finish()
    if len(last.row):
        final = model.cash
        for r, lv in zip(last.row, last.exit_index, strict=True):
            equity[r, lv:] = final[r]
        trades.extend(_records(last, frame))
    # The fast path lists trades by symbol, then by time.
    row = {s: i for i, s in enumerate(frame.symbols)}
    trades.sort(key=lambda tr: (row[tr.symbol], tr.entry_time))
    return Replay(trades, equity)


def _records(fills: BarFills, frame: MarketFrame) -> list[Trade]:
    ts = frame.timestamp
    fee = fills.entry_fee + fills.exit_fee
    pnl = fills.amount * (fills.exit_price - fills.entry_price) - fee
    out = []
    for j in range(len(fills.row)):
        e, x = int(fills.entry_index[j]), int(fills.exit_index[j])
        out.append(
            Trade(
                frame.symbols[int(fills.row[j])], "long", int(ts[e]), int(ts[x]),
                float(fills.entry_price[j]), float(fills.exit_price[j]),
                float(fills.amount[j]), float(fee[j]), float(pnl[j]),
                REASONS[int(fills.reason[j])], int(ts[e - 1]) if e > 0 else None,
            )
        )  # fmt: skip
    return out
