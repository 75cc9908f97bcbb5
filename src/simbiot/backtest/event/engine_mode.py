"""Engine mode: each bar's signals go through the paper-trading engine itself.

The replay runs the running system's trading cycle (``services.trading.TradingStack.cycle``)
once per bar close, in its order, on a SimulatedClock:

1. the clock reads the bar's close time ``timestamp[j] + timeframe``; the prices hold the
   venue's quote at that moment (``EngineConfig.quotes``, by default the next bar's open);
2. the signals of the bar just closed (``SignalFrame.latest`` of the frame up to it, the
   live call) go to :class:`Trader` (risk sizing, limits, PaperExecutor, Ledger);
3. the :class:`PositionMonitor` runs ``risk.exits`` on the bar just closed, its range
   widened to the quote and the quote as its close, as the live cycle builds its bars.

Fills of the cycle after bar ``j`` happen at the next bar's open, so they are booked on
bar ``j + 1``; equity is marked at each close before that bar's cycle trades. The last
bar's cycle only manages open positions (no later candle to fill entries). After it,
positions still open are sold at the last close (reason ``end``) when ``close_at_end``
is set. Fills are read back from the ledger as trades.
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

__all__ = ["quotes_after_close", "replay_engine", "replay_engine_async", "trading_settings_for"]


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
    start: int = 0,
) -> Replay:
    """Run :func:`replay_engine_async` to completion (no event loop may be running)."""
    return asyncio.run(
        replay_engine_async(
            frame, signals, settings, config=config, engine=engine, on_bar=on_bar, start=start
        )
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
    start: int = 0,
) -> Replay:
    """Replay ``frame`` through the trader and position monitor on an in-memory database.

    Cycles run from the close of bar ``start`` on; the bars before it are history only
    (indicators, ATR), as a running system that starts trading on a market it has synced.
    Raise ConfigError when ``start`` is outside the frame.
    """
    eng = engine or EngineConfig()
    trading = trading_settings_for(settings, eng.trading)
    cfg = config or StrategyConfig("signals", {})
    n_t = len(frame.timestamp)
    if n_t and not 0 <= start < n_t:
        raise ConfigError(f"start bar {start} is outside the frame's {n_t} bars")
    clock = clock or SimulatedClock(int(frame.timestamp[0]) if n_t else 0)
    desk = await open_desk(frame.exchange, cfg, trading, eng, clock)
    try:
        return await _run(frame, signals, settings, cfg, eng, desk, on_bar, start)
    finally:
        await desk.close()


def quotes_after_close(frame: MarketFrame) -> npt.NDArray[np.float64]:
    """Return the default venue quote after each bar's close: the next bar's open.

    Where the next bar has no candle (or on the last bar) the bar's own close stands in.
    """
    q = frame.close.copy()
    nxt = frame.open[:, 1:]
    q[:, :-1] = np.where(np.isfinite(nxt), nxt, q[:, :-1])
    return q


async def _run(
    frame: MarketFrame,
    signals: SignalFrame,
    settings: BacktestSettings,
    cfg: StrategyConfig,
    eng: EngineConfig,
    desk: Desk,
    on_bar: BarProgress | None,
    start: int,
) -> Replay:
    n_sym, n_t = frame.shape
    step = timeframe_ms(frame.timeframe)
    markets = {s: eng.markets.get(s) or backtest_market(frame.exchange, s) for s in frame.symbols}
    atrs = atr(frame.high, frame.low, frame.close, eng.atr_period)
    quotes = quotes_after_close(frame) if eng.quotes is None else _checked(eng.quotes, frame)
    book = FillBook(frame, float(desk.capital))
    equity = np.empty((n_sym, n_t), dtype=np.float64)
    last_close = np.full(n_sym, math.nan)
    last_bar = np.full(n_sym, n_t - 1, dtype=np.int64)
    ref = desk.account.account_ref
    equity[:, :start] = book.share
    for j in range(start, n_t):
        close = frame.close[:, j]
        last_close = np.where(np.isfinite(close), close, last_close)
        last_bar = np.where(np.isfinite(close), j, last_bar)
        equity[:, j] = book.equity(last_close)
        desk.clock.set(int(frame.timestamp[j]) + step)
        fill_bar = min(j + 1, n_t - 1)
        ctx = _context(frame, markets, eng.regime, quotes[:, j], atrs[:, j], desk)
        burst = _signals_at(signals, j, cfg.config_id) if j + 1 < n_t else []
        if burst:
            reports = await desk.trader.on_signals(burst, [desk.account], ctx)
            # Reading the ledger back costs a query: only after an order went out.
            if any(d.outcome is Outcome.SENT for r in reports for d in r.decisions):
                book.book(await new_fills(desk.database, book.last_id, ref), fill_bar, {})
        # Every position starts with a buy fill the book has seen: none open, none to manage.
        if book.open_symbols():
            seen = len(desk.sink.events)
            tick = await desk.monitor.tick([desk.account], _bars(frame, j, ctx), ctx)
            if tick.exits:
                reasons = {
                    e.client_order_id: e.kind
                    for e in desk.sink.events[seen:]
                    if isinstance(e, ExitExecuted)
                }
                book.book(await new_fills(desk.database, book.last_id, ref), fill_bar, reasons)
        if on_bar is not None:
            on_bar(j, (j + 1) / n_t)
    if n_t:
        # The last cycle's exits filled at that close.
        equity[:, -1] = book.equity(last_close)
    if settings.close_at_end and n_t:
        await _close_all(frame, cfg, eng, desk, book, markets, last_close, last_bar)
        equity[:, -1] = book.equity(last_close)
    row = {s: i for i, s in enumerate(frame.symbols)}
    book.trades.sort(key=lambda tr: (row[tr.symbol], tr.entry_time, tr.exit_time))
    return Replay(book.trades, equity, book.fills)


def _checked(quotes: npt.ArrayLike, frame: MarketFrame) -> npt.NDArray[np.float64]:
    q = np.asarray(quotes, dtype=np.float64)
    if q.shape != frame.shape:
        raise ConfigError(f"quotes have shape {q.shape}; the frame is {frame.shape}")
    return q


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
    """Bar ``t`` as the live cycle builds it: range widened to the quote, quote as close."""
    out: dict[str, Bar] = {}
    ts = int(frame.timestamp[t])
    for i, symbol in enumerate(frame.symbols):
        quote = ctx.prices.get(symbol)
        hi, lo = float(frame.high[i, t]), float(frame.low[i, t])
        if quote is None or not (math.isfinite(hi) and math.isfinite(lo)):
            continue
        q = float(quote)
        out[symbol] = Bar(ts, Decimal(repr(max(hi, q))), Decimal(repr(min(lo, q))), quote)
    return out
