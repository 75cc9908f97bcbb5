"""Engine mode against a paper trader wired as the running system wires it, on one market.

The reference here evaluates signals the live way (the SignalEngine on the candles up to
the bar just closed, nothing later), on a migrated SQLite file, and drives the Trader and
PositionMonitor in the live cycle's order at every close. Engine mode must place the same
orders at the same bars. ``test_live_parity`` compares with the running system itself.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from simbiot.analysis.indicators import atr
from simbiot.backtest.event import EngineConfig, replay_engine_async, trading_settings_for
from simbiot.backtest.event.book import FillBook, new_fills
from simbiot.backtest.event.desk import backtest_market
from simbiot.backtest.event.runner import evaluate_strategy
from simbiot.backtest.settings import BacktestSettings
from simbiot.config.sections import DatabaseSettings, RiskSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.frame import MarketFrame
from simbiot.execution.accounts import MarketContext, UserAccount
from simbiot.execution.balances import BalanceCache
from simbiot.execution.events import ExitExecuted, MemoryEventSink
from simbiot.execution.executors import Executors
from simbiot.execution.ledger import Ledger
from simbiot.execution.monitor import PositionMonitor
from simbiot.execution.paper import PaperExecutor
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.prices import StaticPrices
from simbiot.execution.reconcile import AccountGuard
from simbiot.execution.trader import Trader
from simbiot.risk.exits import Bar
from simbiot.signals.context import SignalInputs
from simbiot.signals.engine import SignalEngine
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import StrategyConfig, Subscription
from simbiot.signals.registry import StrategyRegistry
from simbiot.storage.database import Database
from simbiot.storage.repositories import bots, orders, strategies, users

SETTINGS = BacktestSettings(capital=10_000.0, fee=0.001, slippage=0.0005)
ENGINE = EngineConfig(risk=RiskSettings(max_hold_s=0))
PARAMS = {"fast": 8, "slow": 21, "adx_min": 10.0}
D = Decimal


def _market(n_sym: int, n_t: int, seed: int) -> MarketFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_sym, n_t)), axis=1))
    open_ = np.concatenate([np.full((n_sym, 1), 100.0), close[:, :-1]], axis=1)
    span = np.abs(rng.normal(0, 0.02, (n_sym, n_t))) * close
    high, low = np.maximum(open_, close) + span, np.minimum(open_, close) - span
    ts = 1_704_067_200_000 + 3_600_000 * np.arange(n_t, dtype=np.int64)
    vol = 1000.0 * rng.lognormal(0, 0.5, (n_sym, n_t))
    syms = tuple(f"P{i}/USDT" for i in range(n_sym))
    return MarketFrame("paper", "1h", syms, ts, open_, high, low, close, vol)


def _head(frame: MarketFrame, n: int) -> MarketFrame:
    cols = (np.ascontiguousarray(getattr(frame, f)[:, :n]) for f in (
        "open", "high", "low", "close", "volume",
    ))  # fmt: skip
    return MarketFrame(frame.exchange, frame.timeframe, frame.symbols, frame.timestamp[:n], *cols)


def _context(
    frame: MarketFrame, price: np.ndarray, atr_now: np.ndarray, px: StaticPrices
) -> MarketContext:
    markets = {s: backtest_market(frame.exchange, s) for s in frame.symbols}
    prices, atrs = {}, {}
    for i, s in enumerate(frame.symbols):
        prices[s] = D(repr(float(price[i])))
        px.set(frame.exchange, s, prices[s])
        if math.isfinite(atr_now[i]) and atr_now[i] > 0:
            atrs[s] = float(atr_now[i])
    return MarketContext(frame.exchange, "bull", markets, prices, atrs)


async def _paper_trader_orders(frame: MarketFrame, url: str) -> list[tuple[object, ...]]:
    """Drive the trader and monitor bar by bar with live signal evaluation; return fills."""
    db = Database(url, DatabaseSettings())
    await db.start()
    # The subscription the running system would store: the strategy with full parameters.
    config = StrategyConfig("trend_ema_adx", PARAMS)
    async with db.transaction() as session:
        user = await users.create(session, email="paper@x.io", password_hash="h")
        strat = await strategies.create(
            session, user_id=user.id, name="t", kind="builtin", definition={}
        )
        bot = await bots.create(session, user_id=user.id, strategy_id=strat.id, name="t")
    trading = trading_settings_for(SETTINGS, ENGINE.trading)
    capital = D(repr(SETTINGS.capital))
    ref = orders.paper_account_ref(bot.id)
    account = UserAccount(
        user.id,
        bot.id,
        frame.exchange,
        ref,
        Subscription(user.id, config, max_slots=5, capital=capital),
    )
    clock = SimulatedClock(int(frame.timestamp[0]))
    ledger, prices = Ledger(db), StaticPrices()
    pb = PaperBalances(ledger, lambda _u, _r: capital)
    executors = Executors(PaperExecutor(ledger, prices, clock, trading, pb), ledger, clock, trading)
    balances = BalanceCache(pb.free_quote, clock, trading.balance_ttl_s)
    sink = MemoryEventSink()
    trader = Trader(
        executors=executors,
        ledger=ledger,
        balances=balances,
        guard=AccountGuard(),
        risk=ENGINE.risk,
        settings=trading,
        clock=clock,
    )
    monitor = PositionMonitor(
        executors=executors,
        ledger=ledger,
        balances=balances,
        risk=ENGINE.risk,
        settings=trading,
        sink=sink,
        clock=clock,
    )
    engine = SignalEngine(StrategyRegistry.with_builtins(), IndicatorCache())
    book = FillBook(frame, float(capital))
    n = len(frame.timestamp)
    try:
        # TradingStack.cycle's order at every close: signals → trader, then the monitor on
        # the bar just closed, at the venue's quote (here the next open).
        for j in range(n):
            clock.set(int(frame.timestamp[j]) + 3_600_000)
            seen = _head(frame, j + 1)  # the candles closed so far, nothing later
            a = atr(seen.high, seen.low, seen.close, ENGINE.atr_period)[:, -1]
            quote = frame.open[:, j + 1] if j + 1 < n else frame.close[:, j]
            ctx = _context(frame, quote, a, prices)
            fill_bar = min(j + 1, n - 1)
            if j + 1 < n:
                burst = engine.evaluate(SignalInputs(seen), [config])[config.config_id]
                await trader.on_signals(burst, [account], ctx)
                book.book(await new_fills(db, book.last_id, ref), fill_bar, {})
            bars = {
                s: Bar(
                    int(frame.timestamp[j]),
                    max(D(repr(float(frame.high[i, j]))), ctx.prices[s]),
                    min(D(repr(float(frame.low[i, j]))), ctx.prices[s]),
                    ctx.prices[s],
                )
                for i, s in enumerate(frame.symbols)
            }
            k = len(sink.events)
            await monitor.tick([account], bars, ctx)
            why = {
                e.client_order_id: e.kind for e in sink.events[k:] if isinstance(e, ExitExecuted)
            }
            book.book(await new_fills(db, book.last_id, ref), fill_bar, why)
    finally:
        await db.close()
    return [*book.fills]


async def test_engine_mode_places_the_paper_traders_orders(sqlite_url: str) -> None:
    frame = _market(3, 220, 4)
    strategy, _ = StrategyRegistry.with_builtins().resolve(StrategyConfig("trend_ema_adx", PARAMS))
    resolved, signals = evaluate_strategy(frame, strategy, PARAMS)
    replay = await replay_engine_async(
        frame, signals, SETTINGS.model_copy(update={"close_at_end": False}),
        config=StrategyConfig(strategy.name, resolved), engine=ENGINE,
    )  # fmt: skip
    want = await _paper_trader_orders(frame, sqlite_url)
    assert len(want) > 6
    assert {side for _, _, side, *_ in want} == {"buy", "sell"}
    assert len(replay.fills) == len(want)
    for got, ref in zip(replay.fills, want, strict=True):
        assert got[:3] == ref[:3]
        assert got[3:] == pytest.approx(ref[3:], rel=1e-12)
