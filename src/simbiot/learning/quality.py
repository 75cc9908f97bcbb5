"""Quality metrics of probability forecasts: AUC, log loss, Brier, calibration, hit rate."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

__all__ = ["ClassifierQuality", "calibration_error", "classifier_quality"]

FloatArray = npt.NDArray[np.float64]

_EPS = 1e-7


@dataclass(frozen=True, slots=True)
class ClassifierQuality:
    """How good probabilities ``p`` of outcomes ``y`` are; AUC is None with one class only."""

    rows: int
    auc: float | None
    log_loss: float
    brier: float
    calibration_error: float
    hit_rate: float
    base_rate: float

    def to_json(self) -> dict[str, float | int | None]:
        """Plain dict for storage."""
        return asdict(self)


def calibration_error(y: FloatArray, p: FloatArray, bins: int = 10) -> float:
    """Expected calibration error: row-weighted |mean p - mean y| over equal-width bins."""
    if len(y) == 0:
        return 0.0
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    count = np.bincount(idx, minlength=bins).astype(np.float64)
    sum_p = np.bincount(idx, weights=p, minlength=bins)
    sum_y = np.bincount(idx, weights=y, minlength=bins)
    used = count > 0
    gap = np.abs(sum_p[used] - sum_y[used]) / count[used]
    return float((gap * count[used]).sum() / count.sum())


def classifier_quality(y: npt.ArrayLike, p: npt.ArrayLike) -> ClassifierQuality:
    """Score probabilities ``p`` against 0/1 outcomes ``y``; hit rate at p >= 0.5."""
    yy = np.asarray(y, dtype=np.float64)
    pp = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    if yy.shape != pp.shape or yy.ndim != 1 or len(yy) == 0:
        raise ValueError("y and p must be non-empty 1-D arrays of the same length")
    both = 0 < yy.sum() < len(yy)
    return ClassifierQuality(
        rows=len(yy),
        auc=float(roc_auc_score(yy, pp)) if both else None,
        log_loss=float(log_loss(yy, pp, labels=[0.0, 1.0])),
        brier=float(brier_score_loss(yy, pp)),
        calibration_error=calibration_error(yy, pp),
        hit_rate=float(np.mean((pp >= 0.5) == (yy >= 0.5))),
        base_rate=float(yy.mean()),
    )
