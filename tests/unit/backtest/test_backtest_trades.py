"""Trade records: conversion from fast-path arrays and the JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.backtest.fastpath import run_signals
from simbiot.backtest.settings import BacktestSettings
from simbiot.backtest.trades import Trade, trades_from_fast, trades_to_columns


def test_from_fast_arrays() -> None:
    c = np.array([[10.0, 10.0, 12.0, 15.0], [5.0, 5.0, 5.0, 4.0]])
    o, h, lo = c.copy(), c + 1, c - 1
    ent = np.array([[True, False, False, False], [False, True, False, False]])
    ext = np.zeros_like(ent)
    ext[0, 1] = True
    ts = np.array([100, 200, 300, 400], dtype=np.int64)
    res = run_signals(ent, ext, o, h, lo, c, BacktestSettings(capital=2000.0, fee=0.001))
    trades = trades_from_fast(res.trades, ("A/USDT", "B/USDT"), ts)
    assert [t.symbol for t in trades] == ["A/USDT", "B/USDT"]
    a, b = trades
    assert (a.entry_time, a.exit_time, a.signal_time, a.reason) == (200, 300, 100, "signal")
    assert (b.entry_time, b.exit_time, b.signal_time, b.reason) == (300, 400, 200, "end")
    assert a.pnl == pytest.approx(a.amount * (a.exit_price - a.entry_price) - a.fee)
    assert a.notional == pytest.approx(a.amount * 10.0)
    assert a.return_pct == pytest.approx(a.pnl / a.notional)
    assert trades_from_fast(res.trades, ("A/USDT", "B/USDT"), ts, set_index=1) == []
    cols = trades_to_columns(trades)
    np.testing.assert_array_equal(cols["entry_time"], [200, 300])


def test_json_round_trip_and_malformed() -> None:
    t = Trade("A/USDT", "long", 1, 2, 10.0, 11.0, 2.0, 0.1, 1.9, "take_profit", None)
    assert Trade.from_json(t.to_json()) == t
    with pytest.raises(ValueError, match="malformed"):
        Trade.from_json({"symbol": "A"})
    zero = Trade("A/USDT", "long", 1, 2, 0.0, 11.0, 0.0, 0.0, 0.0, "end")
    assert zero.return_pct == 0.0
