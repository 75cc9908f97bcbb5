"""BacktestResult assembly from fast-path arrays and its JSON document."""

from __future__ import annotations

import json

import numpy as np
import pytest
from backtest_frames import random_ohlc

from simbiot.backtest.fastpath import ema_cross_signals, run_signals
from simbiot.backtest.result import result_from_fast
from simbiot.backtest.settings import BacktestSettings

S = BacktestSettings(capital=3000.0, stop_loss=0.04, take_profit=0.08)


def _fast(keep_equity: bool = True):  # type: ignore[no-untyped-def]
    o, h, lo, c = random_ohlc(3, 400, 17, nan_head=True)
    ent, ext = ema_cross_signals(c, 5, 15)
    return run_signals(ent, ext, o, h, lo, c, S, keep_equity=keep_equity)


def test_portfolio_is_sum_of_sub_accounts() -> None:
    fast = _fast()
    ts = 1_704_067_200_000 + 3_600_000 * np.arange(400, dtype=np.int64)
    res = result_from_fast(
        fast, strategy="ema", params={"fast": 5}, exchange="x", timeframe="1h",
        symbols=("A", "B", "C"), timestamp=ts, settings=S.model_dump(),
    )  # fmt: skip
    assert fast.equity is not None
    np.testing.assert_allclose(res.equity, fast.equity[0].sum(axis=0))
    assert res.metrics.final_equity == pytest.approx(float(fast.final_equity.sum()))
    for r, sym in enumerate(("A", "B", "C")):
        m = res.per_symbol[sym]
        assert m.trades == int(fast.trade_count[0, r])
        assert m.max_drawdown == pytest.approx(float(fast.max_drawdown[0, r]))
        assert m.exposure * 400 == pytest.approx(float(fast.bars_in_market[0, r]))
    doc = json.loads(json.dumps(res.to_json()))
    assert doc["settings"]["stop_loss"] == 0.04
    assert doc["params"] == {"fast": 5}
    assert len(doc["equity"]["equity"]) == 400


def test_without_equity_is_refused() -> None:
    with pytest.raises(ValueError, match="keep_equity"):
        result_from_fast(
            _fast(keep_equity=False), strategy="ema", params={}, exchange="x", timeframe="1h",
            symbols=("A", "B", "C"), timestamp=np.arange(400, dtype=np.int64),
        )  # fmt: skip
