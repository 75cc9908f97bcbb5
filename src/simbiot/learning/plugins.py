"""Models behind the X-ray and signal interfaces: trend/pattern detector (A4, A5),
potential scorer (A7) and blacklist scorer (S4).

The ML anomaly detector (A2) is ``simbiot.analysis.xray.anomaly_ml``'s isolation forest;
it retrains on every ``fit`` from the market's own history, so it needs no registry entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from simbiot.analysis.detectors.base import DetectorResult, FeatureView
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.domain.frame import MarketFrame
from simbiot.learning.inference import Predictions, feature_rows
from simbiot.learning.training import LoadedModel

__all__ = [
    "ModelBlacklistScorer",
    "ModelDetector",
    "potential_scores",
    "potential_verdict",
    "probability_verdict",
]

TREND_LABELS = ("neutral", "up", "down")
POTENTIAL_LABELS = ("none", "high_potential", "low_potential")

FloatArray = npt.NDArray[np.float64]


class ModelDetector:
    """A classifier's probability as a detector verdict: score = 2p - 1 in [-1, 1].

    Labels: ``down`` below ``1 - band``, ``up`` above ``band``, ``neutral`` between; the
    flag ``confident`` marks |score| >= 2·band - 1. Trained on the triple-barrier label it is
    the ML trend checker (A4); trained on a pattern label, the pattern detector (A5).
    """

    labels = TREND_LABELS

    def __init__(self, name: str, model: LoadedModel, band: float = 0.6) -> None:
        if not 0.5 < band < 1:
            raise ValueError("band must be in (0.5, 1)")
        self._name = name
        self._model = model
        self._band = band

    @property
    def name(self) -> str:
        """Detector name (shown in the X-ray)."""
        return self._name

    @property
    def needs_features(self) -> bool:
        """The model reads the feature set."""
        return True

    def detect(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult:
        """Predict every symbol's newest candle in one batch."""
        if feats is None:
            raise ValueError(f"{self._name} needs the feature set")
        p = self._model.predict(feature_rows(feats, self._model.names))
        p[~np.isfinite(frame.close[:, -1])] = np.nan
        return probability_verdict(self._name, p, self._band)


def probability_verdict(name: str, p: FloatArray, band: float) -> DetectorResult:
    """Detector verdict of win probabilities ``p`` (NaN: unknown): score 2p - 1, ``up``
    at or above ``band``, ``down`` at or below 1 - band, flag ``confident`` past either."""
    known = np.isfinite(p)
    score = np.where(known, 2.0 * p - 1.0, 0.0)
    label = np.zeros(len(p), dtype=np.int64)
    with np.errstate(invalid="ignore"):
        label[known & (p >= band)] = 1
        label[known & (p <= 1.0 - band)] = 2
    confident = known & (np.abs(score) >= 2.0 * band - 1.0 - 1e-12)
    return DetectorResult(name, TREND_LABELS, label, score, {"confident": confident})


def potential_verdict(name: str, ranks: FloatArray, top_share: float) -> DetectorResult:
    """Detector verdict of potential percentile ranks (A7): score 2r - 1; the top
    ``top_share`` is ``high_potential`` (also a flag), the bottom share ``low_potential``."""
    if not 0 < top_share <= 1:
        raise ValueError("top_share must be in (0, 1]")
    known = np.isfinite(ranks)
    score = np.where(known, 2.0 * ranks - 1.0, 0.0)
    label = np.zeros(len(ranks), dtype=np.int64)
    with np.errstate(invalid="ignore"):
        high = known & (ranks > 1.0 - top_share)
        low = known & ~high & (ranks <= top_share)
    label[high] = 1
    label[low] = 2
    return DetectorResult(name, POTENTIAL_LABELS, label, score, {"high_potential": high})


def potential_scores(
    expected_return: Predictions, probability: Predictions | None = None
) -> FloatArray:
    """Rank tokens by potential (A7): expected return, weighted by win probability if given.

    Returns the percentile rank in [0, 1] of every symbol (NaN where unknown), so thousands
    of tokens compare on one scale whatever the model's units.
    """
    v = np.array(expected_return.values, dtype=np.float64)
    if probability is not None:
        if probability.symbols != expected_return.symbols:
            raise ValueError("both predictions must cover the same symbols in the same order")
        v = v * probability.values
    out = np.full(v.shape, np.nan)
    ok = np.isfinite(v)
    if ok.any():
        ranks = np.argsort(np.argsort(v[ok]))
        out[ok] = (ranks + 1) / ok.sum()
    return out


class ModelBlacklistScorer:
    """Probability that signals on a symbol lose (S4): 1 - P(upper barrier first)."""

    def __init__(self, predictions: Predictions) -> None:
        self._p = predictions.as_dict()

    def score(self, symbols: Sequence[str]) -> Mapping[str, float]:
        """Return a loss probability per symbol the model has seen."""
        return {s: 1.0 - self._p[s] for s in symbols if s in self._p}
