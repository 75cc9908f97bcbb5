"""Turn an event-driven replay into the shared :class:`BacktestResult` (metrics included)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.backtest.metrics import compute_metrics
from simbiot.backtest.result import BacktestResult
from simbiot.backtest.trades import Trade
from simbiot.domain.frame import MarketFrame

__all__ = ["build_result"]


def build_result(
    frame: MarketFrame,
    trades: Sequence[Trade],
    symbol_equity: npt.NDArray[np.float64],
    *,
    strategy: str,
    params: Mapping[str, Any],
    settings: Mapping[str, Any],
) -> BacktestResult:
    """Compute portfolio and per-symbol metrics exactly as the fast path's result does."""
    by_symbol: dict[str, list[Trade]] = {s: [] for s in frame.symbols}
    for t in trades:
        by_symbol[t.symbol].append(t)
    ts, tf = frame.timestamp, frame.timeframe
    equity = symbol_equity.sum(axis=0) if len(frame.symbols) else np.zeros(len(ts))
    portfolio = compute_metrics(ts, equity, list(trades), timeframe=tf)
    per_symbol = {
        s: compute_metrics(ts, symbol_equity[r], by_symbol[s], timeframe=tf)
        for r, s in enumerate(frame.symbols)
    }
    return BacktestResult(
        strategy, dict(params), frame.exchange, tf, frame.symbols, ts, equity,
        symbol_equity, portfolio, per_symbol, list(trades), dict(settings),
    )  # fmt: skip
