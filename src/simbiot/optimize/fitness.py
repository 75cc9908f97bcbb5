"""Fitness of parameter sets: walk-forward backtests on the fast path, a generation at once.

A strategy is causal, so its masks are computed once per parameter set on the whole frame
and sliced to each out-of-sample window; every window then runs as one (sets, symbols,
time) stack through ``run_signals``. Objectives: annualised Sharpe of the equally weighted
portfolio (maximise) and its maximum drawdown (minimise), averaged and worst over windows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators import periods_per_year
from simbiot.backtest.fastpath import run_signals
from simbiot.backtest.robustness import Split
from simbiot.config.sections import BacktestSettings
from simbiot.domain.errors import ConfigError
from simbiot.domain.frame import MarketFrame
from simbiot.signals.context import SignalInputs
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.strategy import Strategy

__all__ = ["Fitness", "WalkForwardFitness", "portfolio_stats"]

FloatArray = npt.NDArray[np.float64]

# Score of a parameter set the strategy refuses: below any set that merely does not trade.
_INVALID_SHARPE = -100.0


@dataclass(frozen=True, slots=True)
class Fitness:
    """Objectives of each parameter set: Sharpe (higher better), drawdown (lower better)."""

    sharpe: FloatArray
    max_drawdown: FloatArray
    trades: FloatArray  # mean trades per symbol and window

    def values(self, i: int) -> tuple[float, float]:
        """(Sharpe, max drawdown) of set ``i`` as optuna objectives."""
        return float(self.sharpe[i]), float(self.max_drawdown[i])


def portfolio_stats(equity: FloatArray, per_year: float) -> tuple[FloatArray, FloatArray]:
    """Sharpe and max drawdown of each set's portfolio, from (sets, symbols, time) equity."""
    port = equity.sum(axis=1)
    with np.errstate(all="ignore"):
        rets = port[:, 1:] / port[:, :-1] - 1.0
        sd = rets.std(axis=1)
        sharpe = np.where(sd > 0, rets.mean(axis=1) / sd * np.sqrt(per_year), 0.0)
        peak = np.maximum.accumulate(port, axis=1)
        mdd = ((peak - port) / peak).max(axis=1)
    return np.nan_to_num(sharpe), np.nan_to_num(mdd)


class WalkForwardFitness:
    """Scores parameter sets of one strategy on the test windows of walk-forward folds."""

    def __init__(
        self,
        strategy: Strategy,
        frame: MarketFrame,
        splits: Sequence[Split],
        settings: BacktestSettings,
        *,
        min_trades: float = 1.0,
    ) -> None:
        if not splits:
            raise ValueError("walk-forward needs at least one fold")
        self._strategy = strategy
        self._frame = frame
        self._splits = list(splits)
        self._settings = settings
        self._min_trades = min_trades
        self._cache = IndicatorCache()
        self._per_year = periods_per_year(frame.timeframe)

    def masks(
        self, params: Mapping[str, Any]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Entry and exit masks of one parameter set over the whole frame."""
        ctx = SignalInputs(self._frame).context(self._cache)
        sig = self._strategy.evaluate(ctx, params)
        return sig.entry, sig.exit

    def evaluate(self, population: Sequence[Mapping[str, Any]]) -> Fitness:
        """Score every parameter set; a set trading less than ``min_trades`` gets Sharpe -inf-like."""
        f = self._frame
        invalid = np.zeros(len(population), dtype=bool)
        ent = np.zeros((len(population), *f.shape), dtype=bool)
        ext = np.zeros_like(ent)
        for i, p in enumerate(population):
            try:
                ent[i], ext[i] = self.masks(p)
            except ConfigError:  # e.g. fast >= slow: a gene combination the strategy refuses
                invalid[i] = True
        sharpe = np.zeros(len(population))
        worst_dd = np.zeros(len(population))
        trades = np.zeros(len(population))
        for sp in self._splits:
            w = sp.test
            res = run_signals(
                ent[:, :, w], ext[:, :, w], f.open[:, w], f.high[:, w], f.low[:, w],
                f.close[:, w], self._settings,
            )  # fmt: skip
            if res.equity is None:  # run_signals keeps equity by default
                raise RuntimeError("run_signals returned no equity curves")
            s, dd = portfolio_stats(np.nan_to_num(res.equity, nan=0.0), self._per_year)
            sharpe += s / len(self._splits)
            worst_dd = np.maximum(worst_dd, dd)
            trades += res.trade_count.mean(axis=1) / len(self._splits)
        # Too few trades means the score is noise: rank such sets below every trading one.
        idle = trades < self._min_trades
        sharpe = np.where(idle, np.minimum(sharpe, 0.0) - 10.0, sharpe)
        sharpe[invalid] = _INVALID_SHARPE
        worst_dd[invalid] = 1.0
        return Fitness(sharpe, worst_dd, trades)
