"""A strategy's measured edge: what its past entries earned, per symbol (S1).

The expected value of a new entry on a symbol is the mean forward return of the strategy's
past entries on that symbol, shrunk toward the strategy's mean over the whole market by the
number of past entries (few trades on one symbol say little). Only entries whose horizon
lies inside the frame count, so nothing is read from the future.
"""

from __future__ import annotations

import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.signals.frame import BoolArray

__all__ = ["edge_from_forward", "forward_returns", "historical_edge"]


def forward_returns(close: FloatArray, horizon: int) -> FloatArray:
    """Return close[t + horizon] / close[t] - 1 for every bar t that has a future, (S, T - h)."""
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    if close.shape[-1] <= horizon:
        return np.empty((close.shape[0], 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        fwd: FloatArray = close[:, horizon:] / close[:, :-horizon] - 1.0
    return fwd


def edge_from_forward(fwd: FloatArray, entry: BoolArray, prior_weight: float = 10.0) -> FloatArray:
    """Return the per-symbol edge of ``entry`` given :func:`forward_returns` of its frame.

    The forward returns are shared by every strategy of a cycle; only the masking is per
    strategy.
    """
    out = np.full(entry.shape[0], np.nan)
    cols = fwd.shape[-1]
    if cols == 0:
        return out
    past = entry[:, :cols] & np.isfinite(fwd)
    n = past.sum(axis=1).astype(np.float64)
    total = np.where(past, fwd, 0.0).sum(axis=1)
    count = n.sum()
    if count == 0:
        return out
    market = float(total.sum() / count)
    edge: FloatArray = (total + prior_weight * market) / (n + prior_weight)
    return edge


def historical_edge(
    close: FloatArray, entry: BoolArray, horizon: int, prior_weight: float = 10.0
) -> FloatArray:
    """Return per-symbol expected forward return (``horizon`` bars) of an entry; NaN if unknown.

    ``prior_weight`` is how many entries the market-wide mean counts as.
    """
    return edge_from_forward(forward_returns(close, horizon), entry, prior_weight)
