"""On real Binance candles the event-driven replay gives the fast path's trades exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from simbiot.backtest.audit import audit_trades
from simbiot.backtest.event import run_event_backtest
from simbiot.backtest.robustness import slice_frame
from simbiot.backtest.runner import run_backtest
from simbiot.backtest.settings import BacktestSettings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.frame import MarketFrame
from simbiot.signals.builtin import BUILTINS, TrendEmaAdx

pytestmark = pytest.mark.realdata

# WIF lists after the start of the set: a late listing trades only on its own data.
SYMBOLS = ["BTC/USDT", "ETH/USDT", "PEPE/USDT", "WIF/USDT"]
SETTINGS = BacktestSettings(
    capital=40_000.0, fee=0.001, slippage=0.0005, stop_loss=0.04, take_profit=0.1
)


@pytest.fixture(scope="module")
def frame(shared_data: Path) -> MarketFrame:
    return ParquetCandleStore(shared_data / "ohlcv", "binance", "1h").load_frame(
        SYMBOLS, window=4000
    )


@pytest.mark.parametrize("strategy_cls", BUILTINS)
def test_event_replay_equals_fast_path_on_real_candles(
    frame: MarketFrame, strategy_cls: type
) -> None:
    strategy = strategy_cls()
    want = run_backtest(frame, strategy, {}, SETTINGS)
    got = run_event_backtest(frame, strategy, {}, SETTINGS)
    assert len(want.trades) > 0
    assert len(got.trades) == len(want.trades)
    for a, b in zip(got.trades, want.trades, strict=True):
        assert (a.symbol, a.entry_time, a.exit_time, a.reason) == (
            b.symbol, b.entry_time, b.exit_time, b.reason,
        )  # fmt: skip
        for f in ("entry_price", "exit_price", "amount", "fee", "pnl"):
            assert abs(getattr(a, f) - getattr(b, f)) <= 1e-9 * max(1.0, abs(getattr(b, f)))
    assert got.metrics.total_return == pytest.approx(want.metrics.total_return, rel=1e-12)


def test_engine_mode_on_real_candles_passes_the_audit(frame: MarketFrame) -> None:
    recent = slice_frame(frame, slice(-1000, None))
    res = run_event_backtest(
        recent, TrendEmaAdx(), {"fast": 12, "slow": 26, "adx_min": 20.0}, SETTINGS, mode="engine"
    )
    assert len(res.trades) > 0
    report = audit_trades(res, recent, allow_overlap=True, shared_cash=True)
    assert report.ok, report.violations[:3]
    assert res.equity[-1] == pytest.approx(SETTINGS.capital + sum(t.pnl for t in res.trades))
