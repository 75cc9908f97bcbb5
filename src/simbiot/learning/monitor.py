"""Model quality monitor (L5): live outcomes against validation, and feature drift (PSI).

A model's reference distribution is stored with it at training time (decile edges and the
share of training rows in each bin per feature); live rows are binned on the same edges and
compared with the population stability index: PSI = Σ (live - ref) · ln(live / ref).
Rule of thumb: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 the population has changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.learning.quality import classifier_quality

__all__ = ["QualityReport", "drift_reference", "population_stability", "quality_report"]

FloatArray = npt.NDArray[np.float64]

_FLOOR = 1e-4  # share given to an empty bin so the logarithm stays finite


def drift_reference(x: FloatArray, names: tuple[str, ...], bins: int = 10) -> dict[str, Any]:
    """Return per-feature inner bin edges (quantiles) and training shares per bin."""
    out: dict[str, Any] = {}
    for k, name in enumerate(names):
        col = x[:, k]
        col = col[np.isfinite(col)]
        if len(col) == 0:
            continue
        edges = np.unique(np.quantile(col, np.linspace(0, 1, bins + 1)[1:-1]))
        shares = np.bincount(np.searchsorted(edges, col, side="right"), minlength=len(edges) + 1)
        out[name] = {"edges": edges.tolist(), "shares": (shares / len(col)).tolist()}
    return out


def population_stability(
    edges: npt.ArrayLike, ref_shares: npt.ArrayLike, live: FloatArray
) -> float:
    """PSI of ``live`` values against a reference binned on ``edges``; 0 when no live value."""
    e = np.asarray(edges, dtype=np.float64)
    ref = np.asarray(ref_shares, dtype=np.float64)
    col = live[np.isfinite(live)]
    if len(col) == 0:
        return 0.0
    counts = np.bincount(np.searchsorted(e, col, side="right"), minlength=len(e) + 1)
    act = np.maximum(counts / len(col), _FLOOR)
    ref = np.maximum(ref, _FLOOR)
    return float(np.sum((act - ref) * np.log(act / ref)))


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Live quality beside validation quality, and drift per feature."""

    rows: int
    live_hit_rate: float | None
    live_auc: float | None
    live_calibration_error: float | None
    validation_hit_rate: float | None
    validation_auc: float | None
    psi: dict[str, float] = field(default_factory=dict)

    @property
    def max_psi(self) -> float:
        """Largest drift over the features (0 without any)."""
        return max(self.psi.values(), default=0.0)

    @property
    def hit_rate_drop(self) -> float | None:
        """Validation hit rate minus live hit rate (positive = worse live)."""
        if self.live_hit_rate is None or self.validation_hit_rate is None:
            return None
        return self.validation_hit_rate - self.live_hit_rate

    def to_json(self) -> dict[str, Any]:
        """Evidence for a decision record."""
        doc = asdict(self)
        doc["max_psi"] = self.max_psi
        doc["hit_rate_drop"] = self.hit_rate_drop
        return doc


def quality_report(
    metrics: dict[str, Any],
    y_live: FloatArray,
    p_live: FloatArray,
    x_live: FloatArray,
    names: tuple[str, ...],
) -> QualityReport:
    """Compare live outcomes (``y_live`` for predictions ``p_live``) and live features with
    the validation metrics and drift reference a model was registered with."""
    oos = metrics.get("oos", {})
    live = classifier_quality(y_live, p_live) if len(y_live) else None
    reference = metrics.get("reference", {})
    psi: dict[str, float] = {}
    if x_live.size:
        for k, name in enumerate(names):
            ref = reference.get(name)
            if ref is not None:
                psi[name] = population_stability(ref["edges"], ref["shares"], x_live[:, k])
    return QualityReport(
        rows=len(y_live),
        live_hit_rate=live.hit_rate if live else None,
        live_auc=live.auc if live else None,
        live_calibration_error=live.calibration_error if live else None,
        validation_hit_rate=oos.get("hit_rate"),
        validation_auc=oos.get("auc"),
        psi=psi,
    )
