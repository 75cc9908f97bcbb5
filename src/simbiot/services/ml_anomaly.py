"""The ML anomaly detector (A2) in the X-ray: robust z of each metric plus the isolation
forest's joint score of the metrics together.

The robust detector re-learns every cycle (cheap); the forest is retrained every
``refit_every`` cycles (100 trees on up to 50,000 rows took 1.9 s for 2,000 symbols,
against 0.09 s for the robust detector) and scores every cycle in between. Until the
market has enough history to train a forest, the verdict is the robust detector's alone.
The forest flags past the same z as the robust detector: on real Binance 1h data (136
symbols, 20 random hours) that flags 1.9 symbols an hour against the robust detector's
1.5; its own default of 4 flagged 5.0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simbiot.analysis.xray.anomaly import AnomalyResult, MetricPanel, RobustAnomalyDetector
from simbiot.analysis.xray.anomaly_ml import IsolationForestAnomalyDetector
from simbiot.analysis.xray.numeric import FloatArray
from simbiot.config.sections import AnalysisSettings

__all__ = ["JointAnomalyDetector", "joint_anomaly_detector"]


class JointAnomalyDetector:
    """Per-metric robust anomalies and, once trained, the forest's ``joint`` anomaly."""

    name = "robust+isolation_forest"

    def __init__(
        self,
        robust: RobustAnomalyDetector,
        forest: IsolationForestAnomalyDetector,
        refit_every: int,
    ) -> None:
        if refit_every < 1:
            raise ValueError("refit_every must be >= 1")
        self._robust = robust
        self._forest = forest
        self._refit_every = refit_every
        self._since_fit = 0

    @property
    def forest_fitted(self) -> bool:
        """Whether the forest has been trained (its verdict is part of the result)."""
        return self._forest.fitted

    def fit(self, history: MetricPanel) -> None:
        """Re-learn the robust scales; retrain the forest when due (or not trained yet)."""
        self._robust.fit(history)
        if not self._forest.fitted or self._since_fit + 1 >= self._refit_every:
            self._forest.fit(history)
            self._since_fit = 0
        else:
            self._since_fit += 1

    def score(self, symbols: Sequence[str], current: FloatArray) -> AnomalyResult:
        """Robust per-metric verdicts, with the forest's ``joint`` column when trained."""
        base = self._robust.score(symbols, current)
        if not self._forest.fitted:
            return base
        joint = self._forest.score(symbols, current)
        return AnomalyResult(
            base.symbols,
            base.names + joint.names,
            np.hstack([base.z, joint.z]),
            np.hstack([base.flags, joint.flags]),
        )


def joint_anomaly_detector(settings: AnalysisSettings, refit_every: int) -> JointAnomalyDetector:
    """The joint detector with the X-ray's thresholds."""
    return JointAnomalyDetector(
        RobustAnomalyDetector(settings.anomaly_z, settings.anomaly_min_history),
        IsolationForestAnomalyDetector(
            z_threshold=settings.anomaly_z, min_history=settings.anomaly_min_history
        ),
        refit_every,
    )
