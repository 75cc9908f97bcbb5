"""Bounded ratios: the scale-free building blocks of features (never inf, NaN stays NaN)."""

from __future__ import annotations

import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray

__all__ = ["CLIP", "bounded_ratio"]

# a feature beyond ten of its own units is an outlier for any model; clipping keeps a
# near-zero denominator (flat market, fresh listing) from dominating a whole batch
CLIP = 10.0


def bounded_ratio(num: FloatArray, den: FloatArray, clip: float = CLIP) -> FloatArray:
    """Return num / den clipped to ±clip; 0 where both are 0, ±clip where only den is 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.divide(num, den)
    zero_den = den == 0.0
    out = np.where(zero_den, np.sign(num) * clip, out)
    return np.clip(out, -clip, clip)
