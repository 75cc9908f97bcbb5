"""A backtest of one strategy over the candle store: the frame, the run, the audit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from simbiot.backtest import audit_trades, run_backtest, run_event_backtest
from simbiot.backtest.audit import AuditReport
from simbiot.backtest.result import BacktestResult
from simbiot.backtest.runner import ProgressFn
from simbiot.config.sections import BacktestSettings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.errors import ConfigError, DataError
from simbiot.domain.frame import MarketFrame
from simbiot.domain.timeframes import timeframe_ms
from simbiot.signals import StrategyRegistry

__all__ = ["BacktestJob", "load_period", "run_backtest_job"]


@dataclass(frozen=True, slots=True)
class BacktestJob:
    """A finished backtest with the frame it ran on and the audit of every trade."""

    result: BacktestResult
    frame: MarketFrame
    audit: AuditReport


def load_period(
    store: ParquetCandleStore,
    symbols: Sequence[str] | None,
    start_ms: int | None,
    end_ms: int | None,
) -> MarketFrame:
    """Return the stored candles of ``symbols`` (all when None) between two open times."""
    names = list(symbols) if symbols else store.symbols()
    if not names:
        raise DataError(f"the candle store {store.exchange}/{store.timeframe} holds no symbols")
    missing = sorted(set(names) - set(store.symbols()))
    if missing:
        raise DataError(f"not in the candle store: {', '.join(missing)}")
    step = timeframe_ms(store.timeframe)
    firsts, lasts = [], []
    for name in names:
        candles = store.read(name)
        if len(candles):
            firsts.append(int(candles.timestamp[0]))
            lasts.append(int(candles.timestamp[-1]))
    if not lasts:
        raise DataError("the chosen symbols have no candles")
    newest = max(lasts)
    window = (newest - min(firsts)) // step + 1
    frame = store.load_frame(names, window)
    keep = np.ones(len(frame.timestamp), dtype=bool)
    if start_ms is not None:
        keep &= frame.timestamp >= start_ms
    if end_ms is not None:
        keep &= frame.timestamp <= end_ms
    if not keep.any():
        raise DataError("no candles inside the requested period")
    cols = np.flatnonzero(keep)
    sl = slice(int(cols[0]), int(cols[-1]) + 1)
    return MarketFrame(
        frame.exchange,
        frame.timeframe,
        frame.symbols,
        frame.timestamp[sl],
        np.ascontiguousarray(frame.open[:, sl]),
        np.ascontiguousarray(frame.high[:, sl]),
        np.ascontiguousarray(frame.low[:, sl]),
        np.ascontiguousarray(frame.close[:, sl]),
        np.ascontiguousarray(frame.volume[:, sl]),
    )


def run_backtest_job(
    frame: MarketFrame,
    registry: StrategyRegistry,
    strategy: str,
    params: Mapping[str, Any],
    settings: BacktestSettings,
    *,
    engine: str = "fast",
    progress: ProgressFn | None = None,
) -> BacktestJob:
    """Backtest ``strategy`` on ``frame`` and audit every trade.

    ``engine``: ``fast`` (vectorised fast path), ``event`` (bar by bar with the same fill
    rules: identical trades), or ``trading`` (bar by bar through the paper trading engine:
    risk sizing, engine exits, one shared cash account).
    """
    strat = registry.get(strategy)
    if engine == "fast":
        result = run_backtest(frame, strat, params, settings, progress=progress)
        return BacktestJob(result, frame, audit_trades(result, frame))
    if engine not in ("event", "trading"):
        raise ConfigError(f"unknown backtest engine {engine!r}: fast, event or trading")
    mode: Literal["fastpath", "engine"] = "fastpath" if engine == "event" else "engine"
    result = run_event_backtest(frame, strat, params, settings, mode=mode, progress=progress)
    shared = engine == "trading"
    # The trading engine splits positions by partial closes and shares one cash account.
    audit = audit_trades(result, frame, allow_overlap=shared, shared_cash=shared)
    return BacktestJob(result, frame, audit)
