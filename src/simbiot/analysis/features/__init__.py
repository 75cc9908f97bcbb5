"""Normalised, regime-aware features of every symbol, built on the indicator set.

Scale-free by construction (returns in units of their own volatility, distances in ATR,
oscillators centred), bounded (ratios clipped to ±10, never inf), and causal: a value at
candle t depends only on candles up to t.
"""

from simbiot.analysis.features.breadth import market_breadth
from simbiot.analysis.features.compute import (
    FEATURE_INDICATORS,
    compute_features,
    rolling_percentile,
)
from simbiot.analysis.features.feature_set import (
    Breadth,
    FeatureParams,
    FeatureSet,
    feature_names,
)
from simbiot.analysis.features.ratios import CLIP, bounded_ratio
from simbiot.analysis.features.relative import benchmark_returns, relative_returns

__all__ = [
    "CLIP",
    "FEATURE_INDICATORS",
    "Breadth",
    "FeatureParams",
    "FeatureSet",
    "benchmark_returns",
    "bounded_ratio",
    "compute_features",
    "feature_names",
    "market_breadth",
    "relative_returns",
    "rolling_percentile",
]
