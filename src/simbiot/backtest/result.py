"""A finished backtest: portfolio and per-symbol metrics, trades and equity curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.backtest.fastpath import FastResult
from simbiot.backtest.metrics import Metrics, compute_metrics
from simbiot.backtest.trades import Trade, trades_from_fast

__all__ = ["BacktestResult", "result_from_fast"]


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """Everything a backtest produced.

    ``equity`` is the portfolio's (sum of the symbols' sub-accounts) at each bar's close;
    ``symbol_equity`` (symbols, time) the sub-accounts'. ``per_symbol`` holds the metrics of
    each symbol that had data.
    """

    strategy: str
    params: Mapping[str, Any]
    exchange: str
    timeframe: str
    symbols: tuple[str, ...]
    timestamp: npt.NDArray[np.int64]
    equity: npt.NDArray[np.float64]
    symbol_equity: npt.NDArray[np.float64]
    metrics: Metrics
    per_symbol: Mapping[str, Metrics]
    trades: Sequence[Trade]
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self, *, equity_points: int = 2000) -> dict[str, Any]:
        """Return a JSON-ready document: metrics, per_symbol, trades and a thinned equity.

        ``metrics`` holds at least total_return, sharpe, sortino, max_drawdown, win_rate,
        profit_factor and trades; the equity curve keeps at most ``equity_points`` points
        (evenly spaced, the last one always included).
        """
        n = len(self.timestamp)
        idx: npt.NDArray[np.intp] = np.unique(
            np.linspace(0, n - 1, min(n, equity_points)).astype(np.intp)
        )
        return {
            "strategy": self.strategy,
            "params": dict(self.params),
            "exchange": self.exchange,
            "timeframe": self.timeframe,
            "symbols": list(self.symbols),
            "settings": dict(self.settings),
            "metrics": self.metrics.to_json(),
            "per_symbol": {s: m.to_json() for s, m in self.per_symbol.items()},
            "trades": [t.to_json() for t in self.trades],
            "equity": {
                "timestamp": [int(self.timestamp[i]) for i in idx],
                "equity": [float(self.equity[i]) for i in idx],
            },
        }

    def trades_of(self, symbol: str) -> list[Trade]:
        """Return the trades of one symbol."""
        return [t for t in self.trades if t.symbol == symbol]


def result_from_fast(
    fast: FastResult,
    *,
    strategy: str,
    params: Mapping[str, Any],
    exchange: str,
    timeframe: str,
    symbols: Sequence[str],
    timestamp: npt.NDArray[np.int64],
    settings: Mapping[str, Any] | None = None,
    set_index: int = 0,
) -> BacktestResult:
    """Build a result (metrics included) from one parameter set of a fast-path run."""
    if fast.equity is None:
        raise ValueError("the fast-path run kept no equity curves (keep_equity=False)")
    sym_eq = fast.equity[set_index]
    trades = trades_from_fast(fast.trades, symbols, timestamp, set_index)
    by_symbol: dict[str, list[Trade]] = {s: [] for s in symbols}
    for t in trades:
        by_symbol[t.symbol].append(t)
    equity = sym_eq.sum(axis=0) if len(symbols) else np.zeros(len(timestamp))
    portfolio = compute_metrics(timestamp, equity, trades, timeframe=timeframe)
    per_symbol = {
        s: compute_metrics(timestamp, sym_eq[r], by_symbol[s], timeframe=timeframe)
        for r, s in enumerate(symbols)
    }
    return BacktestResult(
        strategy, dict(params), exchange, timeframe, tuple(symbols), timestamp, equity,
        sym_eq, portfolio, per_symbol, trades, dict(settings or {}),
    )  # fmt: skip
