"""Engine mode: each bar's signals go through the paper-trading engine itself.

Per bar ``t`` (the running system's order of work, on a SimulatedClock):

1. at the bar's open the clock reads ``timestamp[t]`` and StaticPrices hold the opens;
   the signals of bar ``t - 1``'s close (``SignalFrame.latest`` of the frame up to that
   bar, the live call) go to :class:`Trader` (risk sizing, limits, PaperExecutor, Ledger);
2. at the bar's close the clock reads ``timestamp[t] + timeframe`` and the prices hold the
   closes; the :class:`PositionMonitor` runs ``risk.exits`` on the bar's high, low and close.

After the last bar, positions still open are sold at the last close (reason ``end``) when
``close_at_end`` is set. Fills are read back from the ledger as trades.
"""

from __future__ import annotations

import asyncio
import math
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from simbiot.analysis.indicators import atr
from simbiot.backtest.event.book import FillBook, new_fills
from simbiot.backtest.event.desk import Desk, EngineConfig, backtest_market, open_desk
from simbiot.backtest.event.replay import BarProgress, Replay
from simbiot.backtest.settings import BacktestSettings
from simbiot.config.sections import TradingSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import ConfigError
from simbiot.domain.frame import MarketFrame
from simbiot.domain.market import MarketInfo
from simbiot.domain.timeframes import timeframe_ms
from simbiot.execution.accounts import MarketContext, Outcome
from simbiot.execution.events import ExitExecuted
from simbiot.risk.exits import Bar
from simbiot.signals.frame import SignalFrame
from simbiot.signals.model import Side, Signal, StrategyConfig

__all__ = ["replay_engine", "replay_engine_async", "trading_settings_for"]


def trading_settings_for(settings: BacktestSettings, base: TradingSettings) -> TradingSettings:
    """Return ``base`` with the backtest's capital, fee and slippage as paper settings."""
    try:
        return TradingSettings.model_validate(
            {
                **base.model_dump(),
                "paper_capital": settings.capital,
                "paper_fee_rate": settings.fee,
                "paper_slippage_bps": settings.slippage * 10_000,
                # A replayed bar must never be given up for lack of wall time.
                "user_timeout_s": max(base.user_timeout_s, 600.0),
            }
        )
    except ValidationError as exc:
        raise ConfigError(f"backtest settings do not fit paper trading: {exc}") from exc


def replay_engine(
    frame: MarketFrame,
    signals: SignalFrame,
    settings: BacktestSettings,
    *,
    config: StrategyConfig | None = None,
    engine: EngineConfig | None = None,
    on_bar: BarProgress | None = None,
) -> Replay:
    """Run :func:`replay_engine_async` to completion (no event loop may be running)."""
    return asyncio.run(
        replay_engine_async(frame, signals, settings, config=config, engine=engine, on_bar=on_bar)
    )


async def replay_engine_async(
    frame: MarketFrame,
    signals: SignalFrame,
    settings: BacktestSettings,
    *,
    config: StrategyConfig | None = None,
    engine: EngineConfig | None = None,
    on_bar: BarProgress | None = None,
    clock: SimulatedClock | None = None,
) -> Replay:
    """Replay ``frame`` through the trader and position monitor on an in-memory database."""
    eng = engine or EngineConfig()
    trading = trading_settings_for(settings, eng.trading)
    cfg = config or StrategyConfig("signals", {})
    n_t = len(frame.timestamp)
    clock = clock or SimulatedClock(int(frame.timestamp[0]) if n_t else 0)
    desk = await open_desk(frame.exchange, cfg, trading, eng, clock)
    try:
        return await _run(frame, signals, settings, cfg, eng, desk, on_bar)
    finally:
        await desk.close()


async def _run(
    frame: MarketFrame,
    signals: SignalFrame,
    settings: BacktestSettings,
    cfg: StrategyConfig,
    eng: EngineConfig,
    desk: Desk,
    on_bar: BarProgress | None,
) -> Replay:
    n_sym, n_t = frame.shape
    step = timeframe_ms(frame.timeframe)
    markets = {s: eng.markets.get(s) or backtest_market(frame.exchange, s) for s in frame.symbols}
    atrs = atr(frame.high, frame.low, frame.close, eng.atr_period)
    book = FillBook(frame, float(desk.capital))
    equity = np.empty((n_sym, n_t), dtype=np.float64)
    last_close = np.full(n_sym, math.nan)
    last_bar = np.full(n_sym, n_t - 1, dtype=np.int64)
    ref = desk.account.account_ref
    for t in range(n_t):
        desk.clock.set(int(frame.timestamp[t]))
        if t > 0:
            burst = _signals_at(signals, t - 1, cfg.config_id)
            if burst:
                ctx = _context(frame, markets, eng.regime, frame.open[:, t], atrs[:, t - 1], desk)
                reports = await desk.trader.on_signals(burst, [desk.account], ctx)
                # Reading the ledger back costs a query: only after an order went out.
                if any(d.outcome is Outcome.SENT for r in reports for d in r.decisions):
                    book.book(await new_fills(desk.database, book.last_id, ref), t, {})
        desk.clock.set(int(frame.timestamp[t]) + step)
        close = frame.close[:, t]
        ctx = _context(frame, markets, eng.regime, close, atrs[:, t], desk)
        # Every position starts with a buy fill the book has seen: none open, none to manage.
        if book.open_symbols():
            seen = len(desk.sink.events)
            tick = await desk.monitor.tick([desk.account], _bars(frame, t, ctx), ctx)
            if tick.exits:
                reasons = {
                    e.client_order_id: e.kind
                    for e in desk.sink.events[seen:]
                    if isinstance(e, ExitExecuted)
                }
                book.book(await new_fills(desk.database, book.last_id, ref), t, reasons)
        last_close = np.where(np.isfinite(close), close, last_close)
        last_bar = np.where(np.isfinite(close), t, last_bar)
        equity[:, t] = book.equity(last_close)
        if on_bar is not None:
            on_bar(t, (t + 1) / n_t)
    if settings.close_at_end and n_t:
        await _close_all(frame, cfg, eng, desk, book, markets, last_close, last_bar)
        equity[:, -1] = book.equity(last_close)
    row = {s: i for i, s in enumerate(frame.symbols)}
    book.trades.sort(key=lambda tr: (row[tr.symbol], tr.entry_time, tr.exit_time))
    return Replay(book.trades, equity, book.fills)


async def _close_all(
    frame: MarketFrame,
    cfg: StrategyConfig,
    eng: EngineConfig,
    desk: Desk,
    book: FillBook,
    markets: dict[str, MarketInfo],
    last_close: npt.NDArray[np.float64],
    last_bar: npt.NDArray[np.int64],
) -> None:
    """Sell what is still open at its symbol's last close, through the trader (``end``)."""
    held = book.open_symbols()
    if not held:
        return
    ts = int(frame.timestamp[-1])
    exits = [Signal(cfg.config_id, s, Side.EXIT_LONG, 1.0, "end of data", ts) for s in held]
    nan_atr = np.full(len(frame.symbols), math.nan)
    ctx = _context(frame, markets, eng.regime, last_close, nan_atr, desk)
    await desk.trader.on_signals(exits, [desk.account], ctx)
    row = {s: i for i, s in enumerate(frame.symbols)}
    for fill in await new_fills(desk.database, book.last_id, desk.account.account_ref):
        # A symbol whose candles stopped early is closed on its own last candle.
        book.book([fill], int(last_bar[row[fill.symbol]]), {}, default="end")


def _signals_at(signals: SignalFrame, t: int, config_id: str) -> list[Signal]:
    """Return the live engine's signals at bar ``t``: ``latest`` of the frame up to ``t``."""
    upto = slice(0, t + 1)
    view = SignalFrame(
        signals.symbols, signals.timestamp[upto], signals.entry[:, upto],
        signals.exit[:, upto], signals.strength[:, upto], signals.reason, signals.side,
        signals.expected_value,
    )  # fmt: skip
    return view.latest(config_id)


def _context(
    frame: MarketFrame,
    markets: dict[str, MarketInfo],
    regime: str,
    price: npt.NDArray[np.float64],
    atr_now: npt.NDArray[np.float64],
    desk: Desk,
) -> MarketContext:
    prices: dict[str, Decimal] = {}
    atrs: dict[str, float] = {}
    for i, symbol in enumerate(frame.symbols):
        p = float(price[i])
        if not (math.isfinite(p) and p > 0):
            continue
        prices[symbol] = Decimal(repr(p))
        desk.prices.set(frame.exchange, symbol, prices[symbol])
        a = float(atr_now[i])
        if math.isfinite(a) and a > 0:
            atrs[symbol] = a
    return MarketContext(frame.exchange, regime, markets, prices, atrs)


def _bars(frame: MarketFrame, t: int, ctx: MarketContext) -> dict[str, Bar]:
    out: dict[str, Bar] = {}
    ts = int(frame.timestamp[t])
    for i, symbol in enumerate(frame.symbols):
        close = ctx.prices.get(symbol)
        hi, lo = float(frame.high[i, t]), float(frame.low[i, t])
        if close is None or not (math.isfinite(hi) and math.isfinite(lo)):
            continue
        out[symbol] = Bar(ts, Decimal(repr(hi)), Decimal(repr(lo)), close)
    return out
