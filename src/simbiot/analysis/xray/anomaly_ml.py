"""ML anomaly detection (A2): an isolation forest over robust-z metric vectors.

The robust detector judges each metric alone; the forest learns which *combinations* are
normal (a big move on thin volume, a huge range with no return) from the recent history of
the whole market. Inputs are each symbol's metrics in robust-z units (median/MAD per symbol),
so one model serves every symbol whatever its price or volume level. The anomaly score of a
current vector is expressed in robust-z units of the training scores and flagged past
``z_threshold`` (lower than a single metric's: forest scores are bounded, so their robust z
runs smaller); ``fit`` retrains on every call, so the model follows the market.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import IsolationForest

from simbiot.analysis.xray.anomaly import AnomalyResult, MetricPanel, RobustAnomalyDetector
from simbiot.analysis.xray.numeric import MAD_TO_SIGMA, FloatArray

__all__ = ["IsolationForestAnomalyDetector"]


class IsolationForestAnomalyDetector:
    """Joint anomalies of a symbol's metrics, one forest for the whole market."""

    name = "isolation_forest"

    def __init__(
        self,
        *,
        z_threshold: float = 4.0,
        min_history: int = 30,
        n_estimators: int = 100,
        max_rows: int = 50_000,
        seed: int = 7,
    ) -> None:
        if z_threshold <= 0 or n_estimators < 1 or max_rows < 100:
            raise ValueError("need z_threshold > 0, n_estimators >= 1, max_rows >= 100")
        self._threshold = z_threshold
        self._n_estimators = n_estimators
        self._max_rows = max_rows
        self._seed = seed
        self._scaler = RobustAnomalyDetector(z_threshold, min_history)
        self._forest: IsolationForest | None = None
        self._center = 0.0
        self._scale = 1.0

    @property
    def fitted(self) -> bool:
        """Whether ``fit`` has trained a model."""
        return self._forest is not None

    def fit(self, history: MetricPanel) -> None:
        """Learn per-symbol scales, then train the forest on a sample of z-vectors."""
        self._scaler.fit(history)
        s, m, t = history.values.shape
        rows = np.moveaxis(history.values, 2, 1).reshape(s * t, m)  # (symbol × time, metric)
        owners = np.repeat(np.arange(s), t)
        ok = np.isfinite(rows).all(axis=1)
        rows, owners = rows[ok], owners[ok]
        if rows.shape[0] < 100:
            self._forest = None
            return
        rng = np.random.default_rng(self._seed)
        if rows.shape[0] > self._max_rows:
            pick = rng.choice(rows.shape[0], self._max_rows, replace=False)
            rows, owners = rows[pick], owners[pick]
        z = self._to_z([history.symbols[i] for i in owners], rows)
        forest = IsolationForest(
            n_estimators=self._n_estimators, random_state=self._seed, n_jobs=1
        ).fit(z)
        train = -forest.score_samples(z)  # higher = more anomalous
        center = float(np.median(train))
        scale = MAD_TO_SIGMA * float(np.median(np.abs(train - center)))
        self._forest, self._center = forest, center
        self._scale = scale if scale > 0 else 1.0

    def score(self, symbols: Sequence[str], current: FloatArray) -> AnomalyResult:
        """Score each symbol's current metric vector; missing metrics count as normal."""
        if not self._scaler.fitted:
            raise RuntimeError("IsolationForestAnomalyDetector.score called before fit")
        n = len(symbols)
        if self._forest is None:  # too little history to train: nothing is flagged
            return AnomalyResult(
                tuple(symbols), ("joint",), np.zeros((n, 1)), np.zeros((n, 1), bool)
            )
        z = np.nan_to_num(self._to_z(list(symbols), current), nan=0.0)
        raw = -self._forest.score_samples(z)
        joint = ((raw - self._center) / self._scale)[:, None]
        flags = joint > self._threshold
        return AnomalyResult(tuple(symbols), ("joint",), joint, flags)

    def _to_z(self, symbols: Sequence[str], rows: FloatArray) -> FloatArray:
        z = self._scaler.score(symbols, rows).z
        return np.clip(z, -50.0, 50.0)
