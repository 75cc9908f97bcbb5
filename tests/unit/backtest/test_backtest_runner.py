"""run_backtest: the signals package's evaluation on the fast path, progress, result JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from backtest_frames import make_market

from simbiot.backtest.fastpath import run_signals
from simbiot.backtest.result import result_from_fast
from simbiot.backtest.runner import backtest_signal_frame, run_backtest, run_backtest_async
from simbiot.backtest.settings import BacktestSettings
from simbiot.domain.errors import ConfigError
from simbiot.signals.builtin import DonchianBreakout, TrendEmaAdx
from simbiot.signals.context import SignalInputs, StrategyContext
from simbiot.signals.engine import SignalEngine
from simbiot.signals.frame import SignalFrame
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import Side
from simbiot.signals.params import ParamSpec, resolve_params
from simbiot.signals.registry import StrategyRegistry

S = BacktestSettings(capital=10_000.0, fee=0.001, stop_loss=0.05)
PARAMS = {"fast": 8, "slow": 21, "adx_min": 10.0}


def test_runs_strategy_and_matches_direct_fast_path() -> None:
    frame = make_market(6, 800, 3, nan_head=True)
    seen: list[tuple[str, float]] = []
    res = run_backtest(
        frame, TrendEmaAdx(), PARAMS, S, progress=lambda s, d: seen.append((s, d)), chunk_symbols=4
    )
    assert seen[0][0] == "signals"
    assert seen[-1] == ("done", 1.0)
    done = [d for _, d in seen]
    assert done == sorted(done)
    # The same masks through run_signals in one piece give the same trades and equity.
    strat = TrendEmaAdx()
    full = resolve_params(strat.parameters(), PARAMS, strat.name)
    sig = strat.evaluate(SignalInputs(frame).context(IndicatorCache()), full)
    fast = run_signals(sig.entry, sig.exit, frame.open, frame.high, frame.low, frame.close, S)
    direct = result_from_fast(
        fast, strategy="x", params=full, exchange="test", timeframe="1h",
        symbols=frame.symbols, timestamp=frame.timestamp,
    )  # fmt: skip
    assert res.trades == direct.trades
    np.testing.assert_allclose(res.equity, direct.equity, rtol=1e-12)
    assert res.metrics == direct.metrics
    assert res.metrics.trades == len(res.trades) > 0
    assert res.equity[0] == pytest.approx(10_000.0)
    assert res.params["adx_len"] == 14


def test_result_json_and_per_symbol() -> None:
    frame = make_market(3, 500, 8)
    res = run_backtest(frame, TrendEmaAdx(), PARAMS, S)
    doc = json.loads(json.dumps(res.to_json(equity_points=100)))
    for key in (
        "total_return",
        "sharpe",
        "sortino",
        "max_drawdown",
        "win_rate",
        "profit_factor",
        "trades",
    ):
        assert key in doc["metrics"]
    assert set(doc["per_symbol"]) == set(frame.symbols)
    assert len(doc["trades"]) == res.metrics.trades
    assert len(doc["equity"]["equity"]) == 100
    assert doc["equity"]["timestamp"][-1] == int(frame.timestamp[-1])
    total_trades = sum(m.trades for m in res.per_symbol.values())
    assert total_trades == res.metrics.trades
    assert res.equity[-1] == pytest.approx(10_000.0 + sum(t.pnl for t in res.trades))
    sym = frame.symbols[0]
    assert all(t.symbol == sym for t in res.trades_of(sym))


def test_async_runner() -> None:
    frame = make_market(2, 300, 4)
    a = asyncio.run(run_backtest_async(frame, DonchianBreakout(), {}, S))
    b = run_backtest(frame, DonchianBreakout(), {}, S)
    assert a.trades == b.trades


class _NeedsFeature:
    name = "needs_feature"
    description = "reads a feature"

    def parameters(self) -> Mapping[str, ParamSpec]:
        return {}

    def required_indicators(self, params: Mapping[str, Any]) -> set[Any]:
        return set()

    def required_features(self, params: Mapping[str, Any]) -> set[str]:
        return {"vol_rank"}

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        ctx.feature("vol_rank")
        raise AssertionError("unreachable")


class _Broken(_NeedsFeature):
    name = "broken"

    def required_features(self, params: Mapping[str, Any]) -> set[str]:
        return set()

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        raise ValueError("bad shape")


class _ShortAtRuntime(_Broken):
    name = "short_at_runtime"

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        f = ctx.frame
        z = np.zeros(f.shape, dtype=bool)
        return SignalFrame(
            f.symbols, f.timestamp, z, z, np.zeros(f.shape), lambda r, t, s: "", Side.ENTRY_SHORT
        )


class _WrongFrame(_Broken):
    name = "wrong_frame"

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        f = ctx.frame.tail(10)
        z = np.zeros(f.shape, dtype=bool)
        return SignalFrame(f.symbols, f.timestamp, z, z, np.zeros(f.shape), lambda r, t, s: "")


def test_refusals_are_config_errors() -> None:
    frame = make_market(2, 100, 1)
    with pytest.raises(ConfigError, match=r"cannot run on the fast path.*vol_rank"):
        run_backtest(frame, _NeedsFeature(), {}, S)
    with pytest.raises(ConfigError, match="failed: ValueError"):
        run_backtest(frame, _Broken(), {}, S)
    with pytest.raises(ConfigError, match="no parameter"):
        run_backtest(frame, TrendEmaAdx(), {"nope": 1}, S)
    with pytest.raises(ConfigError, match="fast"):
        run_backtest(frame, TrendEmaAdx(), {"fast": 30, "slow": 20}, S)
    with pytest.raises(ConfigError, match="long only"):
        run_backtest(frame, _ShortAtRuntime(), {}, S)
    with pytest.raises(ConfigError, match="shape"):
        run_backtest(frame, _WrongFrame(), {}, S)
    with pytest.raises(ValueError, match="chunk"):
        run_backtest(frame, TrendEmaAdx(), {}, S, chunk_symbols=0)


def test_settings_validation() -> None:
    with pytest.raises(ValueError, match="stop_loss must exceed slippage"):
        BacktestSettings(stop_loss=0.001, slippage=0.002)
    with pytest.raises(ValueError):
        BacktestSettings(fraction=0.0)


def test_engine_frames_backtest_directly() -> None:
    frame = make_market(4, 500, 12)
    registry = StrategyRegistry.with_builtins()
    configs = [registry.default_config("trend_ema_adx", fast=8, slow=21, adx_min=10.0),
               registry.default_config("donchian_breakout")]  # fmt: skip
    out = SignalEngine(registry, IndicatorCache()).evaluate_detailed(SignalInputs(frame), configs)
    assert not out.errors
    cid = configs[0].config_id
    res = backtest_signal_frame(
        frame, out.frames[cid], S, strategy="trend_ema_adx", params=configs[0].params
    )
    direct = run_backtest(frame, TrendEmaAdx(), PARAMS, S)
    assert res.trades == direct.trades
    with pytest.raises(ConfigError, match="shape"):
        backtest_signal_frame(frame.select([0, 1]), out.frames[cid], S)
