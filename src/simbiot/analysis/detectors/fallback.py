"""Plug-in point for learned detectors: a model's verdict when it has one, a rule's otherwise.

A learned detector may have no opinion (no champion model registered yet, or a failing
prediction); :class:`FallbackDetector` then asks the rule-based detector of the same name,
so the X-ray never loses a column because a model is missing. Without a rule-based twin
the verdict is neutral (label 0, score 0, no flag).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from simbiot.analysis.detectors.base import Detector, DetectorResult, FeatureView
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.domain.frame import MarketFrame

__all__ = ["FallbackDetector", "OptionalDetector"]


@runtime_checkable
class OptionalDetector(Protocol):
    """A detector that may decline to judge (returns None)."""

    @property
    def name(self) -> str: ...

    @property
    def labels(self) -> tuple[str, ...]:
        """Its label vocabulary (index 0 is the neutral label)."""
        ...

    def detect_or_none(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult | None:
        """Return a verdict for every symbol of ``frame``, or None without an opinion."""
        ...


class FallbackDetector:
    """``primary``'s verdict, else ``fallback``'s (or a neutral one without a fallback)."""

    def __init__(self, primary: OptionalDetector, fallback: Detector | None = None) -> None:
        if fallback is not None and fallback.name != primary.name:
            raise ValueError(f"fallback {fallback.name!r} must share the name {primary.name!r}")
        self._primary = primary
        self._fallback = fallback

    @property
    def name(self) -> str:
        """The detector's name (shared by both)."""
        return self._primary.name

    @property
    def needs_features(self) -> bool:
        """Only the fallback's needs count: the primary computes what it reads itself."""
        return self._fallback.needs_features if self._fallback is not None else False

    def detect(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult:
        """Judge every symbol with the primary, falling back when it declines."""
        result = self._primary.detect_or_none(frame, ind, feats)
        if result is not None:
            return result
        if self._fallback is not None:
            return self._fallback.detect(frame, ind, feats)
        n = frame.shape[0]
        return DetectorResult(
            self.name, self._primary.labels, np.zeros(n, dtype=np.int64), np.zeros(n)
        )
