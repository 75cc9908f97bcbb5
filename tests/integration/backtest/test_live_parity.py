"""The running system and the backtest place the same orders on the same candles.

A paper bot trades through the real stack: ``open_container`` starts the bundled market
simulator on a manual clock, ``build_trading`` seeds the user and its bot, and
``run_cycles`` runs sync → X-ray → signals → Trader → PositionMonitor once per candle
close while the test moves the venue's clock one candle per cycle. The backtest's engine
mode then replays the candles that run stored in its candle store, from the first
cycle's bar on (the earlier candles are the history both evaluated their indicators on).

Two facts of the venue are handed to the backtest, read from the venue itself: its
markets (precision, minimums) and its quote at each cycle. The simulator quotes the
final close of the candle in progress, so the cycle after bar ``j`` trades at bar
``j + 1``'s close where a real venue would give about its open. Regime sizing is set
flat (the X-ray's regime of each cycle is not replayed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from simbiot.analysis.xray.engine import sanitize_frame
from simbiot.backtest.event import EngineConfig, evaluate_strategy, replay_engine_async
from simbiot.backtest.settings import BacktestSettings
from simbiot.config import Settings, load_settings
from simbiot.domain.frame import MarketFrame
from simbiot.domain.timeframes import align_down, timeframe_ms
from simbiot.services.backtest_job import load_period
from simbiot.services.container import Container
from simbiot.services.run_loop import run_cycles
from simbiot.services.runtime import ShutdownSignal
from simbiot.services.session import open_container
from simbiot.services.trading import TradingCycle, build_trading
from simbiot.services.xray_cycle import XRayCycleResult
from simbiot.signals.model import StrategyConfig
from simbiot.storage.tables import FillRow

STRATEGY = "trend_ema_adx"
PARAMS: dict[str, float | int | bool | str] = {"fast": 5, "slow": 13, "adx_min": 10.0}
CAPITAL = 10_000.0
SLOTS = 3
CYCLES = 48
TF = "1h"
REGIMES = ("bull", "sideways", "high_volatility", "bear", "crash")

Order = tuple[int, str, str, float, float]  # (time ms, symbol, side, amount, price)


def _settings(tmp_path: Path) -> Settings:
    return load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        # A manual clock: venue time moves only when the test says so; a high speed makes
        # the loop's wait for the next close (venue time / speed) a few milliseconds.
        simulator={"symbols": 12, "seed": 23, "manual_clock": True, "speed": 1e6},
        data={"timeframe": TF},
        # The X-ray keeps every symbol with its candles: the backtest trades the same ones.
        analysis={
            "liquidity_quantile": 0.0,
            "volatility_low_quantile": 0.0,
            "volatility_high_quantile": 1.0,
            "spread_k": 1e9,
        },
        # Venue time stands still inside a cycle: no request may wait for the budget.
        exchanges={
            "venues": {
                "mexc": {
                    "rate_limit": {
                        "ip_weight_per_minute": 1_000_000,
                        "account_weight_per_minute": 1_000_000,
                    }
                }
            }
        },
        run={
            "users": [
                {
                    "email": "parity@demo.simbiot",
                    "strategy": STRATEGY,
                    "params": PARAMS,
                    "capital": CAPITAL,
                    "max_slots": SLOTS,
                }
            ]
        },
        # Time exits after 10 h: the replay must fire them on the same cycles.
        risk={
            "regime_scale": dict.fromkeys(REGIMES, 1.0),
            "regime_stop_scale": {},
            "max_hold_s": 10 * 3600,
        },
    )


@dataclass
class LiveRun:
    """What the running system did, and what it saw, cycle by cycle."""

    cycle_times: list[int] = field(default_factory=list)
    symbols: set[tuple[str, ...]] = field(default_factory=set)
    orders: list[Order] = field(default_factory=list)


async def _live(c: Container) -> LiveRun:
    """Run the trading cycles one candle apart on the venue's clock; return the fills."""
    assert c.simulator is not None
    step = timeframe_ms(TF)
    # Cycles at candle boundaries, as a running system's loop (close + settle) does.
    now = c.clock.now_ms()
    c.simulator.advance(align_down(now, TF) + step - now)
    stack = await build_trading(c)
    run = LiveRun()

    def on_cycle(n: int, xray: XRayCycleResult, cycle: TradingCycle) -> None:
        run.cycle_times.append(c.clock.now_ms())
        run.symbols.add(xray.result.frame.symbols)
        assert c.simulator is not None
        c.simulator.advance(step)

    done = await run_cycles(
        c, stack, cycles=CYCLES, interval_s=0, shutdown=ShutdownSignal(), on_cycle=on_cycle
    )
    assert done == CYCLES
    assert len(run.cycle_times) == CYCLES
    ref = stack.accounts[0].account_ref
    async with c.database.transaction() as session:
        rows = await session.execute(
            select(FillRow.ts, FillRow.symbol, FillRow.side, FillRow.amount, FillRow.price)
            .where(FillRow.account_ref == ref)
            .order_by(FillRow.id)
        )
        run.orders = [
            (round(ts.timestamp() * 1000), s, side, float(a), float(p))
            for ts, s, side, a, p in rows
        ]
    # Store the candle the last cycle traded into: the backtest fills on it.
    await (await c.candle_sync(c.venue(None), TF)).run()
    return run


def _venue_quotes(frame: MarketFrame) -> np.ndarray:
    """The simulator's ticker after each close: the final close of the candle in progress."""
    q = frame.close.copy()
    q[:, :-1] = frame.close[:, 1:]
    return q


async def _backtest(c: Container, live: LiveRun) -> tuple[list[Order], set[str]]:
    (symbols,) = live.symbols  # the X-ray kept the same symbols every cycle
    frame = sanitize_frame(load_period(c.candle_store(None, TF), symbols, None, None))
    step = timeframe_ms(TF)
    start = int(np.searchsorted(frame.timestamp, live.cycle_times[0] - step))
    assert int(frame.timestamp[start]) + step == live.cycle_times[0]
    trading = c.settings.trading
    strategy = c.strategies.get(STRATEGY)
    resolved, signals = evaluate_strategy(frame, strategy, PARAMS)
    engine = EngineConfig(
        risk=c.settings.risk,
        trading=trading,
        atr_period=c.settings.analysis.atr_period,
        max_slots=SLOTS,
        markets=dict(await c.metadata(None).markets()),
        quotes=_venue_quotes(frame),
    )
    settings = BacktestSettings(
        capital=CAPITAL,
        fee=trading.paper_fee_rate,
        slippage=trading.paper_slippage_bps / 10_000,
        close_at_end=False,
    )
    replay = await replay_engine_async(
        frame, signals, settings, config=StrategyConfig(strategy.name, resolved),
        engine=engine, start=start,
    )  # fmt: skip
    last = live.cycle_times[-1]
    orders = [(ts, s, side, a, p) for _, s, side, p, a, _, ts in replay.fills if ts <= last]
    # Why the backtest's positions closed in the compared window.
    reasons = {t.reason for t in replay.trades if t.exit_time <= last}
    return orders, reasons


async def test_paper_trading_on_the_simulator_places_the_backtests_orders(
    tmp_path: Path,
) -> None:
    async with open_container(_settings(tmp_path)) as c:
        live = await _live(c)
        got, reasons = await _backtest(c, live)
    want = live.orders
    sides = {side for _, _, side, _, _ in want}
    assert len(want) >= 8, want
    assert sides == {"buy", "sell"}
    assert len(got) == len(want), (got, want)
    for g, w in zip(sorted(got), sorted(want), strict=True):
        assert g[:3] == w[:3]
        assert g[3] == pytest.approx(w[3], rel=1e-9)
        assert g[4] == pytest.approx(w[4], rel=1e-12)
    assert all(t in live.cycle_times for t, *_ in want)
    # Entries, the strategy's exits and the monitor's exits (time, stops) all compared.
    assert {"signal", "time"} <= reasons
    assert reasons & {"stop_loss", "trailing_stop", "take_profit", "partial"}
