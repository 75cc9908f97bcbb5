"""Numba kernels: moving averages, MACD, rolling standard deviation, Bollinger bands.

``*_clean`` kernels compute one segment with no NaN, as TA-Lib does, writing only the
defined positions (the caller pre-fills NaN); ``*_row`` kernels apply the gap rule of
``_segments``; ``*_2d`` kernels loop over the rows of a (symbols, time) array.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simbiot.analysis.indicators._jit import kernel
from simbiot.analysis.indicators._segments import mask_finite, next_segment

NAN = np.nan
# relative band under which a difference of prices counts as zero (TA-Lib's TA_EPSILON)
FLAT_EPS = 1e-14
# a running variance this far below its sums has lost digits to rounding: rebuild it
REBUILD_RATIO = 1e-6


@kernel
def sma_clean(x: Any, p: int, out: Any) -> None:
    """Simple moving average with TA-Lib's running-sum order of operations."""
    n = x.shape[0]
    if n < p:
        return
    total = 0.0
    for i in range(p - 1):
        total += x[i]
    for i in range(p - 1, n):
        total += x[i]
        out[i] = total / p
        total -= x[i - p + 1]


@kernel
def ema_clean(x: Any, p: int, first: int, out: Any) -> None:
    """EMA seeded by the mean of the ``p`` values ending at ``first`` (TA-Lib's default seed)."""
    n = x.shape[0]
    if first >= n or first < p - 1:
        return
    k = 2.0 / (p + 1.0)
    total = 0.0
    for i in range(first - p + 1, first + 1):
        total += x[i]
    prev = total / p
    out[first] = prev
    for i in range(first + 1, n):
        prev = (x[i] - prev) * k + prev
        out[i] = prev


@kernel
def macd_clean(
    x: Any, fast: int, slow: int, signal: int, m_out: Any, s_out: Any, h_out: Any
) -> None:
    """MACD as TA-Lib computes it: both EMAs start on the slow EMA's first bar."""
    n = x.shape[0]
    if slow < fast:
        fast, slow = slow, fast
    start = slow - 1
    total_lb = start + signal - 1
    if n <= total_lb:
        return
    kf = 2.0 / (fast + 1.0)
    ks = 2.0 / (slow + 1.0)
    kg = 2.0 / (signal + 1.0)
    sf = 0.0
    for i in range(start - fast + 1, start + 1):
        sf += x[i]
    ss = 0.0
    for i in range(start + 1):
        ss += x[i]
    f = sf / fast
    s = ss / slow
    m = f - s
    acc = m
    for t in range(start + 1, total_lb + 1):
        f = (x[t] - f) * kf + f
        s = (x[t] - s) * ks + s
        m = f - s
        acc += m
    g = acc / signal
    m_out[total_lb] = m
    s_out[total_lb] = g
    h_out[total_lb] = m - g
    for t in range(total_lb + 1, n):
        f = (x[t] - f) * kf + f
        s = (x[t] - s) * ks + s
        m = f - s
        g = (m - g) * kg + g
        m_out[t] = m
        s_out[t] = g
        h_out[t] = m - g


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
    for t in range(p - 1, n):
        if t > 0:
            same = same + 1 if x[t] == x[t - 1] else 0
        rebuild = (t - p + 1) % p == 0
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
def sma_row(x: Any, valid: Any, p: int, out: Any) -> None:
    """SMA of one row under the gap rule."""
    out[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= x.shape[0]:
            return
        sma_clean(x[s:e], p, out[s:e])
        s = e


@kernel
def ema_row(x: Any, valid: Any, p: int, out: Any) -> None:
    """EMA of one row under the gap rule."""
    out[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= x.shape[0]:
            return
        ema_clean(x[s:e], p, p - 1, out[s:e])
        s = e


@kernel
def macd_row(x: Any, valid: Any, fast: int, slow: int, signal: int, m: Any, g: Any, h: Any) -> None:
    """MACD line, signal and histogram of one row under the gap rule."""
    m[:] = NAN
    g[:] = NAN
    h[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= x.shape[0]:
            return
        macd_clean(x[s:e], fast, slow, signal, m[s:e], g[s:e], h[s:e])
        s = e


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
def bbands_row(
    x: Any, valid: Any, p: int, nbdev: float, up: Any, mid: Any, lo: Any, std: Any
) -> None:
    """Bollinger bands of one row (middle = SMA, width = ``nbdev`` population deviations)."""
    sma_row(x, valid, p, mid)
    std_row(x, valid, p, std)
    for t in range(x.shape[0]):
        w = nbdev * std[t]
        up[t] = mid[t] + w
        lo[t] = mid[t] - w


@kernel
def sma_2d(x: Any, p: int, out: Any) -> None:
    """SMA of every row."""
    valid = np.empty(x.shape[1], np.bool_)
    for i in range(x.shape[0]):
        mask_finite(x[i], x[i], x[i], x[i], valid)
        sma_row(x[i], valid, p, out[i])


@kernel
def ema_2d(x: Any, p: int, out: Any) -> None:
    """EMA of every row."""
    valid = np.empty(x.shape[1], np.bool_)
    for i in range(x.shape[0]):
        mask_finite(x[i], x[i], x[i], x[i], valid)
        ema_row(x[i], valid, p, out[i])


@kernel
def macd_2d(x: Any, fast: int, slow: int, signal: int, m: Any, g: Any, h: Any) -> None:
    """MACD of every row."""
    valid = np.empty(x.shape[1], np.bool_)
    for i in range(x.shape[0]):
        mask_finite(x[i], x[i], x[i], x[i], valid)
        macd_row(x[i], valid, fast, slow, signal, m[i], g[i], h[i])


@kernel
def std_2d(x: Any, p: int, out: Any) -> None:
    """Rolling standard deviation of every row."""
    valid = np.empty(x.shape[1], np.bool_)
    for i in range(x.shape[0]):
        mask_finite(x[i], x[i], x[i], x[i], valid)
        std_row(x[i], valid, p, out[i])


@kernel
def bbands_2d(x: Any, p: int, nbdev: float, up: Any, mid: Any, lo: Any) -> None:
    """Bollinger bands of every row."""
    valid = np.empty(x.shape[1], np.bool_)
    std = np.empty(x.shape[1])
    for i in range(x.shape[0]):
        mask_finite(x[i], x[i], x[i], x[i], valid)
        bbands_row(x[i], valid, p, nbdev, up[i], mid[i], lo[i], std)
