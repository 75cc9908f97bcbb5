"""The detector protocol and its result.

A detector looks at every symbol of a frame at once and returns, per symbol, a score in
[-1, 1] (sign = direction, magnitude = strength), a label index into its own vocabulary and
named boolean flags. Rule-based detectors live here; ML detectors implement the same protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.domain.frame import MarketFrame

__all__ = ["Detector", "DetectorResult", "FeatureView"]


class FeatureView(Protocol):
    """What detectors read of a feature set (``simbiot.analysis.features.FeatureSet``)."""

    @property
    def names(self) -> tuple[str, ...]: ...

    def get(self, name: str) -> npt.NDArray[np.float64]: ...


@dataclass(frozen=True, slots=True)
class DetectorResult:
    """One detector's verdict on every symbol of a frame."""

    name: str
    labels: tuple[str, ...]  # vocabulary; ``label`` holds indices into it
    label: npt.NDArray[np.int64]  # (symbols,)
    score: npt.NDArray[np.float64]  # (symbols,) in [-1, 1]; 0 when unknown
    flags: Mapping[str, npt.NDArray[np.bool_]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.label.shape[0]
        if self.score.shape != (n,) or any(v.shape != (n,) for v in self.flags.values()):
            raise ValueError(f"{self.name}: every array must be (symbols,) = ({n},)")
        if n and (self.label.min() < 0 or self.label.max() >= len(self.labels)):
            raise ValueError(f"{self.name}: label index outside its vocabulary")

    def label_of(self, row: int) -> str:
        """The label name of the symbol at ``row``."""
        return self.labels[int(self.label[row])]

    def flags_of(self, row: int) -> tuple[str, ...]:
        """Names of the flags raised for the symbol at ``row``."""
        return tuple(k for k, v in self.flags.items() if v[row])


@runtime_checkable
class Detector(Protocol):
    """Looks at the whole frame and judges every symbol."""

    @property
    def name(self) -> str: ...

    @property
    def needs_features(self) -> bool:
        """Whether ``detect`` reads ``feats``; features are computed only when one does."""
        ...

    def detect(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult:
        """Return one verdict per symbol of ``frame`` (rows of ``ind`` match it).

        ``feats`` is None unless this or another detector ``needs_features``.
        """
        ...
