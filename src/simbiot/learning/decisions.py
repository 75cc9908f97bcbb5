"""Pure helpers that put model output into trading decisions (S1, R1, R3).

Each takes arrays over symbols (or symbols × time for backtests) and returns arrays of the
same shape; NaN means "the model has no opinion" and leaves the rule-based decision as is.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["filter_entries", "size_multiplier", "stop_multiplier"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def filter_entries(
    entries: npt.ArrayLike,
    probability: npt.ArrayLike,
    threshold: float,
    *,
    keep_unknown: bool = True,
) -> BoolArray:
    """Drop entries whose predicted probability of success is below ``threshold`` (S1).

    ``keep_unknown`` decides entries without a prediction (NaN): kept by default, so a
    missing model never silences the strategy.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    ent = np.asarray(entries, dtype=bool)
    p = np.broadcast_to(np.asarray(probability, dtype=np.float64), ent.shape)
    known = np.isfinite(p)
    with np.errstate(invalid="ignore"):
        passes = np.where(known, p >= threshold, keep_unknown)
    return np.asarray(ent & passes)


# Larger than any cap: a volatility factor beyond it changes nothing after the clip.
_MAX_FACTOR = 1e6


def size_multiplier(
    probability: npt.ArrayLike,
    predicted_vol: npt.ArrayLike,
    *,
    target_vol: float,
    neutral: float = 0.5,
    floor: float = 0.25,
    cap: float = 1.5,
) -> FloatArray:
    """Scale a position by conviction and inverse predicted volatility (R1).

    Conviction is ``probability / neutral`` (1 at the neutral probability); volatility
    scaling is ``target_vol / predicted_vol``. The product is clipped to [floor, cap];
    unknown inputs give 1 (no change).
    """
    if target_vol <= 0 or not 0 < neutral < 1 or not 0 <= floor <= 1 <= cap:
        raise ValueError("need target_vol > 0, 0 < neutral < 1 and floor <= 1 <= cap")
    p = np.asarray(probability, dtype=np.float64)
    v = np.asarray(predicted_vol, dtype=np.float64)
    with np.errstate(all="ignore"):
        conviction = np.where(np.isfinite(p), p / neutral, 1.0)
        vol_scale = np.where(np.isfinite(v) & (v > 0), target_vol / v, 1.0)
        # Bounded first, so zero conviction times a vanishing volatility is 0, not 0 * inf.
        product = conviction * np.minimum(vol_scale, _MAX_FACTOR)
    return np.asarray(np.clip(product, floor, cap), dtype=np.float64)


def stop_multiplier(
    predicted_vol: npt.ArrayLike,
    realised_vol: npt.ArrayLike,
    *,
    low: float = 0.75,
    high: float = 2.0,
) -> FloatArray:
    """Widen or tighten an ATR stop by predicted over realised volatility (R3).

    A model expecting calmer bars than the recent ones tightens the stop (down to ``low``),
    one expecting rougher bars widens it (up to ``high``); unknown inputs give 1.
    """
    if not 0 < low <= 1 <= high:
        raise ValueError("need 0 < low <= 1 <= high")
    pv = np.asarray(predicted_vol, dtype=np.float64)
    rv = np.asarray(realised_vol, dtype=np.float64)
    with np.errstate(all="ignore"):
        ratio = np.where(np.isfinite(pv) & np.isfinite(rv) & (rv > 0) & (pv > 0), pv / rv, 1.0)
    return np.asarray(np.clip(ratio, low, high), dtype=np.float64)
