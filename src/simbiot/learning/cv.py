"""Time-series cross-validation with a purge gap (embargo) between train and test rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["PurgedFold", "purged_folds"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PurgedFold:
    """Row indices of one fold: train rows all end (label included) before test rows start."""

    train: IntArray
    test: IntArray


def purged_folds(
    t: npt.ArrayLike, horizon: int, n_folds: int, min_train: int = 1
) -> list[PurgedFold]:
    """Split rows by candle index ``t`` into expanding-window folds, oldest first.

    Test blocks tile the later part of the time axis; a train row is kept only when its
    label window [t, t + horizon] ends before the test block's first candle, so no label
    overlaps the test period (the purge). Folds with fewer than ``min_train`` rows are skipped.
    """
    tt = np.asarray(t, dtype=np.int64)
    if n_folds < 1 or horizon < 0:
        raise ValueError("need n_folds >= 1 and horizon >= 0")
    if len(tt) == 0:
        return []
    lo, hi = int(tt.min()), int(tt.max()) + 1
    edges = np.linspace(lo, hi, n_folds + 2).astype(np.int64)
    out: list[PurgedFold] = []
    for k in range(1, n_folds + 1):
        start, stop = int(edges[k]), int(edges[k + 1])
        test = np.flatnonzero((tt >= start) & (tt < stop))
        train = np.flatnonzero(tt + horizon < start)
        if len(train) >= min_train and len(test):
            out.append(PurgedFold(train, test))
    return out
