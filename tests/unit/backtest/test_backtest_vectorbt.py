"""The fast path against vectorbt's ``from_signals`` with a stop-loss (bench extra only).

Same signals, next-open fills, 5 % stop from the fill price armed the bar after entry,
0.1 % fees: the trade lists must be the same trades with the same exit prices, and every
symbol's return must agree to float rounding, including stops reached on a bar where a
signal exit was pending.
"""

from __future__ import annotations

import numpy as np
import pytest
from backtest_frames import random_ohlc

from simbiot.backtest.fastpath import REASONS, ema_cross_signals, run_signals
from simbiot.backtest.settings import BacktestSettings

vbt = pytest.importorskip(
    "vectorbt", reason="vectorbt is in the bench extra: pip install '.[bench]'"
)

CASH = 1000.0


def test_stops_and_pending_exits_agree_with_vectorbt() -> None:
    o, h, lo, c = random_ohlc(12, 1500, seed=21)
    ent, ext = ema_cross_signals(c, 5, 13)
    s = BacktestSettings(
        capital=CASH * c.shape[0], fee=0.001, stop_loss=0.05, stops_on_entry_bar=False,
        close_at_end=False,
    )  # fmt: skip
    ours = run_signals(ent, ext, o, h, lo, c, s, keep_equity=False)
    e, x = np.zeros_like(ent), np.zeros_like(ext)
    e[:, 1:], x[:, 1:] = ent[:, :-1], ext[:, :-1]  # vectorbt fills on the signal's own bar
    pf = vbt.Portfolio.from_signals(
        close=c.T, entries=e.T, exits=x.T, price=o.T, open=o.T, high=h.T, low=lo.T,
        sl_stop=0.05, stop_entry_price="fillprice", stop_exit_price="stopmarket", fees=0.001,
        init_cash=CASH, direction="longonly", upon_long_conflict="exit", accumulate=False,
    )  # fmt: skip
    rec = pf.trades.values
    closed = rec[rec["status"] == 1]
    theirs = sorted(
        (int(r["col"]), int(r["entry_idx"]), int(r["exit_idx"]), float(r["exit_price"]))
        for r in closed
    )
    t = ours.trades
    mine = sorted(
        zip(
            t.row.tolist(),
            t.entry_index.tolist(),
            t.exit_index.tolist(),
            t.exit_price.tolist(),
            strict=True,
        )
    )
    assert len(mine) == len(theirs) > 100
    for a, b in zip(mine, theirs, strict=True):
        assert a[:3] == b[:3]
        assert a[3] == pytest.approx(b[3], rel=1e-12)
    # The case the shared rule settles happens here, and both engines take the stop.
    stops = {(r, e, x) for r, e, x, code in zip(t.row, t.entry_index, t.exit_index, t.reason, strict=True)
             if REASONS[code] == "stop_loss"}  # fmt: skip
    assert any(ext[r, x - 1] for r, _, x in stops)
    np.testing.assert_allclose(
        ours.total_return[0], np.asarray(pf.total_return(), dtype=np.float64), rtol=0, atol=1e-12
    )
