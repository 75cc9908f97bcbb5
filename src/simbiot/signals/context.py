"""What a strategy sees: the market frame, shared indicators, features, state and X-ray scores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simbiot.analysis.features import FeatureParams, FeatureSet, feature_names
from simbiot.analysis.indicators import IndicatorSet, frame_digest
from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.analysis.market_state import MarketState
from simbiot.domain.frame import MarketFrame
from simbiot.signals.catalog import normalise
from simbiot.signals.indicator_cache import IndicatorBank, IndicatorCache

if TYPE_CHECKING:
    # Annotations only: importing the X-ray engine would load every detector.
    from simbiot.analysis.snapshot import XRaySnapshot
    from simbiot.analysis.xray.engine import XRayResult

__all__ = ["DEFAULT_FEATURES", "SignalInputs", "StrategyContext"]

# Feature names rule files may use when the analysis runs with its default parameters.
DEFAULT_FEATURES: tuple[str, ...] = feature_names(FeatureParams())


@dataclass(frozen=True, slots=True)
class SignalInputs:
    """One cycle's shared inputs, produced once by the analyzer for every strategy.

    ``features`` maps a feature name to a (symbols, time) array; ``xray_scores`` maps a
    symbol to its X-ray score (0-100) at the newest bar; ``indicators`` is the analyzer's
    standard set, reused where a strategy asks for the same periods.
    """

    frame: MarketFrame
    features: Mapping[str, FloatArray] = field(default_factory=dict)
    market_state: MarketState | None = None
    xray_scores: Mapping[str, float] = field(default_factory=dict)
    indicators: IndicatorSet | None = None
    digest: str | None = None

    @classmethod
    def from_analysis(
        cls,
        frame: MarketFrame,
        *,
        indicators: IndicatorSet | None = None,
        features: FeatureSet | None = None,
        snapshot: XRaySnapshot | None = None,
        market_state: MarketState | None = None,
        digest: str | None = None,
    ) -> SignalInputs:
        """Return the inputs from the analyzer's products for ``frame``.

        Raise ValueError when the features were computed for other symbols.
        """
        named: dict[str, FloatArray] = {}
        if features is not None:
            if features.symbols != frame.symbols:
                raise ValueError("the feature set was computed for other symbols than the frame")
            named = {name: features.get(name) for name in features.names}
        scores = {} if snapshot is None else {row.symbol: row.score for row in snapshot.symbols}
        state = (
            market_state if market_state is not None or snapshot is None else snapshot.market_state
        )
        return cls(frame, named, state, scores, indicators, digest)

    @classmethod
    def from_xray(
        cls, result: XRayResult, *, indicators: IndicatorSet | None = None
    ) -> SignalInputs:
        """Return the inputs of one X-ray pass: its kept symbols, features, state and scores."""
        return cls.from_analysis(
            result.frame,
            indicators=indicators,
            features=result.features,
            snapshot=result.snapshot,
            market_state=result.state,
        )

    def frame_digest(self) -> str:
        """The frame's content digest (given, or computed)."""
        return self.digest if self.digest is not None else frame_digest(self.frame)

    def context(self, cache: IndicatorCache) -> StrategyContext:
        """Return the evaluation context over ``cache`` (one per cycle, shared by strategies)."""
        bank = IndicatorBank(self.frame, self.frame_digest(), cache, self.indicators)
        scores = np.array(
            [self.xray_scores.get(s, np.nan) for s in self.frame.symbols], dtype=np.float64
        )
        return StrategyContext(self.frame, bank, self.features, self.market_state, scores)


@dataclass(frozen=True, slots=True)
class StrategyContext:
    """The evaluation context: every array is (symbols, time) except ``xray`` (symbols,)."""

    frame: MarketFrame
    bank: IndicatorBank
    features: Mapping[str, FloatArray]
    market_state: MarketState | None
    xray: FloatArray

    def ind(self, name: str, *args: float) -> FloatArray:
        """Return indicator ``name`` with ``args`` (defaults fill the rest) over all symbols."""
        return self.bank.get(normalise(name, tuple(args)))

    def feature(self, name: str) -> FloatArray:
        """Return feature ``name``; raise KeyError when this cycle has no such feature."""
        return self.features[name]
