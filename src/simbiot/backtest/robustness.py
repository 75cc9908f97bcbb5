"""Robustness checks: walk-forward splits and a Monte Carlo shuffle of the trade order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.backtest.trades import Trade
from simbiot.domain.frame import MarketFrame

__all__ = [
    "MonteCarloResult",
    "Split",
    "monte_carlo_drawdown",
    "slice_frame",
    "walk_forward_splits",
]


@dataclass(frozen=True, slots=True)
class Split:
    """One walk-forward fold as bar index ranges ``[start, stop)`` of the frame."""

    fold: int
    train_start: int
    train_stop: int
    test_start: int
    test_stop: int

    @property
    def train(self) -> slice:
        """Bars to fit (optimise) on."""
        return slice(self.train_start, self.train_stop)

    @property
    def test(self) -> slice:
        """Bars to evaluate out of sample on."""
        return slice(self.test_start, self.test_stop)


def walk_forward_splits(
    n_bars: int,
    *,
    train: int,
    test: int,
    step: int | None = None,
    anchored: bool = False,
    gap: int = 0,
) -> list[Split]:
    """Return the folds of a walk-forward over ``n_bars`` bars, oldest first.

    Fold ``k`` trains on ``train`` bars (from bar 0 and growing when ``anchored``), skips
    ``gap`` bars (so indicators fitted on the train window cannot peek at the test one),
    then tests on the next ``test`` bars. Folds advance by ``step`` (default ``test``, so
    test windows tile without overlap); only complete test windows are returned.
    """
    if train < 1 or test < 1 or gap < 0:
        raise ValueError("train and test must be >= 1 and gap >= 0")
    step = test if step is None else step
    if step < 1:
        raise ValueError("step must be >= 1")
    out: list[Split] = []
    start = 0
    while True:
        train_stop = start + train
        test_start = train_stop + gap
        test_stop = test_start + test
        if test_stop > n_bars:
            return out
        out.append(Split(len(out), 0 if anchored else start, train_stop, test_start, test_stop))
        start += step


def slice_frame(frame: MarketFrame, bars: slice) -> MarketFrame:
    """Return the candles of ``frame`` inside ``bars`` (views, every symbol)."""
    return MarketFrame(
        frame.exchange, frame.timeframe, frame.symbols, frame.timestamp[bars],
        frame.open[:, bars], frame.high[:, bars], frame.low[:, bars], frame.close[:, bars],
        frame.volume[:, bars],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Distribution of the maximum drawdown over shuffled trade orders."""

    runs: int
    seed: int
    trades: int
    original_max_drawdown: float
    percentiles: dict[float, float]
    mean: float
    # Share of shuffles whose drawdown is at least the original one's.
    p_worse: float

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (percentile keys as ``p5``, ``p50`` …)."""
        return {
            "runs": self.runs,
            "seed": self.seed,
            "trades": self.trades,
            "original_max_drawdown": self.original_max_drawdown,
            "max_drawdown": {f"p{q:g}": v for q, v in self.percentiles.items()},
            "mean": self.mean,
            "p_worse": self.p_worse,
        }


def _max_drawdowns(paths: npt.NDArray[np.float64], capital: float) -> npt.NDArray[np.float64]:
    """Return the max drawdown of each row of cumulative-pnl ``paths`` on ``capital``."""
    eq = capital + np.concatenate([np.zeros((paths.shape[0], 1)), paths], axis=1)
    peak = np.maximum.accumulate(eq, axis=1)
    dd = np.where(peak > 0, 1.0 - eq / np.where(peak > 0, peak, 1.0), 0.0)
    return np.clip(dd, 0.0, 1.0).max(axis=1)  # type: ignore[no-any-return]


def monte_carlo_drawdown(
    trades: Sequence[Trade],
    capital: float,
    *,
    runs: int = 1000,
    seed: int = 0,
    percentiles: Sequence[float] = (5, 25, 50, 75, 95),
    chunk: int = 256,
) -> MonteCarloResult:
    """Shuffle the order of the trades' pnl ``runs`` times; return the drawdown distribution.

    Each run replays the same trades in a random order on one account of ``capital``
    (pnl added in quote currency), so the final equity is unchanged and only the path,
    hence the drawdown, varies. The same ``seed`` gives the same result.
    """
    if runs < 1 or capital <= 0:
        raise ValueError("runs must be >= 1 and capital > 0")
    pnl = np.array([t.pnl for t in trades], dtype=np.float64)
    original = float(_max_drawdowns(np.cumsum(pnl)[None, :], capital)[0])
    rng = np.random.default_rng(seed)
    dds = np.empty(runs, dtype=np.float64)
    for lo in range(0, runs, chunk):
        n = min(chunk, runs - lo)
        shuffled = rng.permuted(np.broadcast_to(pnl, (n, len(pnl))), axis=1)
        dds[lo : lo + n] = _max_drawdowns(np.cumsum(shuffled, axis=1), capital)
    qs = np.percentile(dds, list(percentiles))
    return MonteCarloResult(
        runs, seed, len(pnl), original,
        {float(q): float(v) for q, v in zip(percentiles, qs, strict=True)},
        float(dds.mean()), float(np.mean(dds >= original - 1e-12)),
    )  # fmt: skip
