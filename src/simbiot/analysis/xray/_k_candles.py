"""Numba kernel: find candles with a bad price or volume in one read of the frame."""

from __future__ import annotations

import math
from typing import Any

from simbiot.analysis.indicators._jit import kernel


@kernel
def bad_candles(o: Any, h: Any, lo: Any, c: Any, v: Any, bad: Any) -> int:
    """Mark in ``bad`` every candle with a non-finite or non-positive price or a bad volume.

    Return how many of them are not blank, i.e. have a finite open, close or volume
    (a candle that is missing altogether is not counted).
    """
    present_bad = 0
    for i in range(c.shape[0]):
        for t in range(c.shape[1]):
            ov, hv, lv, cv, vv = o[i, t], h[i, t], lo[i, t], c[i, t], v[i, t]
            good = (
                math.isfinite(ov) and math.isfinite(hv) and math.isfinite(lv)
                and math.isfinite(cv) and math.isfinite(vv)
                and ov > 0.0 and hv > 0.0 and lv > 0.0 and cv > 0.0 and vv >= 0.0
            )  # fmt: skip
            bad[i, t] = not good
            if not good and (math.isfinite(cv) or math.isfinite(ov) or math.isfinite(vv)):
                present_bad += 1
    return present_bad


@kernel
def candle_counts(close: Any, volume: Any, count: Any, first: Any, last_ok: Any) -> None:
    """Per row, in one read: ``count`` of usable candles (finite positive close, finite
    volume), ``first`` column with a finite close (-1 without one) and whether the newest
    candle is usable (``last_ok``)."""
    n = close.shape[1]
    for i in range(close.shape[0]):
        k = 0
        f = -1
        for t in range(n):
            c = close[i, t]
            if f < 0 and math.isfinite(c):
                f = t
            if math.isfinite(c) and c > 0.0 and math.isfinite(volume[i, t]):
                k += 1
        count[i] = k
        first[i] = f
        last_ok[i] = n > 0 and (
            math.isfinite(close[i, n - 1])
            and close[i, n - 1] > 0.0
            and math.isfinite(volume[i, n - 1])
        )
