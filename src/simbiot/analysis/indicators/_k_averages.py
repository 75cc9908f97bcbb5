"""Numba kernels: rolling standard deviation and Bollinger bands; 2-D drivers of SMA, EMA, MACD.

Conventions shared by the window kernels: ``*_clean`` computes one segment with no NaN,
as TA-Lib does, writing only the defined positions (the caller pre-fills NaN); ``*_row``
applies the gap rule of ``_segments``; ``*_2d`` loops over the rows of a (symbols, time)
array (the recurrent indicators stream over row blocks, see ``_k_streams``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simbiot.analysis.indicators._jit import kernel
from simbiot.analysis.indicators._k_streams import BLOCK, ema_block, macd_block, sma_block
from simbiot.analysis.indicators._segments import mask_finite, next_segment

NAN = np.nan
# relative band under which a difference of prices counts as zero (TA-Lib's TA_EPSILON)
FLAT_EPS = 1e-14
# a running variance this far below its sums has lost digits to rounding: rebuild it
REBUILD_RATIO = 1e-6


@kernel
def std_clean(x: Any, p: int, out: Any, mean_out: Any) -> None:
    """Rolling population standard deviation (and mean), numerically stable.

    Sums run on values shifted by an anchor taken from the window and are rebuilt every
    ``p`` bars, or at once when the variance falls far below the sums it came from (where
    a running update would leave rounding residue). A window of identical values gives
    exactly 0. Plain running sums of squares cancel catastrophically on prices like
    60,000 ± 5; these stay exact to a few ulps of the window's own spread.
    """
    n = x.shape[0]
    if n < p:
        return
    anchor = 0.0
    s1 = 0.0
    s2 = 0.0
    peak = 0.0
    same = 0
    for t in range(1, p - 1):
        same = same + 1 if x[t] == x[t - 1] else 0
    # phase = (t - p + 1) mod p, counted down rather than divided: an integer division
    # per bar costs more than the rest of the update
    phase = 0
    for t in range(p - 1, n):
        if t > 0:
            same = same + 1 if x[t] == x[t - 1] else 0
        rebuild = phase == 0
        phase = phase + 1 if phase + 1 < p else 0
        if not rebuild:
            d_in = x[t] - anchor
            d_out = x[t - p] - anchor
            s1 += d_in - d_out
            s2 += d_in * d_in - d_out * d_out
            peak = max(peak, s2)
            mean = s1 / p
            rebuild = (s2 - s1 * mean) < REBUILD_RATIO * peak
        if rebuild:
            anchor = x[t]
            s1 = 0.0
            s2 = 0.0
            for j in range(t - p + 1, t + 1):
                d = x[j] - anchor
                s1 += d
                s2 += d * d
            peak = s2
        mean = s1 / p
        var = s2 / p - mean * mean
        # the mean is stored first so that callers wanting only the deviation pass ``out`` twice
        mean_out[t] = anchor + mean
        out[t] = math.sqrt(var) if (var > 0.0 and same < p - 1) else 0.0


@kernel
def std_row(x: Any, valid: Any, p: int, out: Any) -> None:
    """Rolling population standard deviation of one row under the gap rule."""
    out[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= x.shape[0]:
            return
        std_clean(x[s:e], p, out[s:e], out[s:e])
        s = e


@kernel
def bands_from_std(mid: Any, std: Any, nbdev: float, up: Any, lo: Any) -> None:
    """Bollinger bands of one row from its middle line and deviation."""
    for t in range(mid.shape[0]):
        w = nbdev * std[t]
        up[t] = mid[t] + w
        lo[t] = mid[t] - w


@kernel
def sma_2d(x: Any, p: int, out: Any) -> None:
    """SMA of every row."""
    for r0 in range(0, x.shape[0], BLOCK):
        sma_block(x, r0, min(BLOCK, x.shape[0] - r0), p, out)


@kernel
def ema_2d(x: Any, p: int, out: Any) -> None:
    """EMA of every row."""
    for r0 in range(0, x.shape[0], BLOCK):
        ema_block(x, r0, min(BLOCK, x.shape[0] - r0), p, out)


@kernel
def macd_2d(x: Any, fast: int, slow: int, signal: int, m: Any, g: Any, h: Any) -> None:
    """MACD of every row."""
    for r0 in range(0, x.shape[0], BLOCK):
        macd_block(x, r0, min(BLOCK, x.shape[0] - r0), fast, slow, signal, m, g, h)


@kernel
def std_2d(x: Any, p: int, out: Any) -> None:
    """Rolling standard deviation of every row."""
    valid = np.empty(x.shape[1], np.bool_)
    for i in range(x.shape[0]):
        mask_finite(x[i], x[i], x[i], x[i], valid)
        std_row(x[i], valid, p, out[i])


@kernel
def bbands_2d(x: Any, p: int, nbdev: float, up: Any, mid: Any, lo: Any) -> None:
    """Bollinger bands of every row: SMA ± nbdev rolling deviations."""
    valid = np.empty(x.shape[1], np.bool_)
    std = np.empty(x.shape[1])
    sma_2d(x, p, mid)
    for i in range(x.shape[0]):
        mask_finite(x[i], x[i], x[i], x[i], valid)
        std_row(x[i], valid, p, std)
        bands_from_std(mid[i], std, nbdev, up[i], lo[i])
