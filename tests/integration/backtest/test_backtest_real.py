"""A fixture backtest on real Binance candles passes the trade audit (B2, runs in CI)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simbiot.backtest.audit import audit_trades
from simbiot.backtest.fastpath import ema_cross_signals, run_signals
from simbiot.backtest.robustness import slice_frame, walk_forward_splits
from simbiot.backtest.runner import run_backtest
from simbiot.backtest.settings import BacktestSettings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.frame import MarketFrame
from simbiot.signals.builtin import DonchianBreakout, MeanReversion, TrendEmaAdx

pytestmark = pytest.mark.realdata

# WIF and ENA list after the start of the set: late listings must trade only on their data.
SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "PEPE/USDT", "WIF/USDT", "ENA/USDT"]
SETTINGS = BacktestSettings(
    capital=60_000.0, fee=0.001, slippage=0.0005, stop_loss=0.05, take_profit=0.15
)


@pytest.fixture(scope="module")
def frame(shared_data: Path) -> MarketFrame:
    store = ParquetCandleStore(shared_data / "ohlcv", "binance", "1h")
    return store.load_frame(SYMBOLS, window=7000)


@pytest.mark.parametrize(
    ("strategy", "params"),
    [
        (TrendEmaAdx(), {"fast": 12, "slow": 26, "adx_min": 20.0}),
        (MeanReversion(), {}),
        (DonchianBreakout(), {}),
    ],
)
def test_real_backtest_passes_audit(
    frame: MarketFrame, strategy: object, params: dict[str, object]
) -> None:
    res = run_backtest(frame, strategy, params, SETTINGS)  # type: ignore[arg-type]
    report = audit_trades(res, frame)
    assert report.ok, report.to_json()["violations"][:5]
    assert res.metrics.trades > 10
    late = frame.index("WIF/USDT")
    first = int(np.flatnonzero(np.isfinite(frame.close[late]))[0])
    assert all(t.entry_time > frame.timestamp[first] for t in res.trades_of("WIF/USDT"))
    assert {t.reason for t in res.trades} >= {"signal", "stop_loss"}


def test_walk_forward_folds_each_pass_audit(frame: MarketFrame) -> None:
    splits = walk_forward_splits(len(frame.timestamp), train=2000, test=1000)
    assert len(splits) >= 3
    for split in splits:
        part = slice_frame(frame, slice(split.test_start - 200, split.test_stop))
        res = run_backtest(part, TrendEmaAdx(), {"adx_min": 0.0}, SETTINGS)
        assert audit_trades(res, part).ok


def test_ema_cross_fast_path_on_real_data(frame: MarketFrame) -> None:
    ent, ext = ema_cross_signals(frame.close, 12, 26)
    res = run_signals(ent, ext, frame.open, frame.high, frame.low, frame.close, SETTINGS)
    assert res.trade_count.sum() == len(res.trades) > 100
    assert np.all(res.final_equity > 0)
    assert res.equity is not None
    assert np.all(np.isfinite(res.equity))
