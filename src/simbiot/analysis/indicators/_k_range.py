"""Numba kernels: true range, ATR/NATR, directional movement (+DI, -DI, ADX), rolling extremes."""

from __future__ import annotations

from typing import Any

import numpy as np

from simbiot.analysis.indicators._jit import kernel
from simbiot.analysis.indicators._segments import mask_finite, next_segment

NAN = np.nan


@kernel
def true_range(h: float, lo: float, prev_close: float) -> float:
    """Largest of high-low, |prev close - high| and |prev close - low| (TA-Lib's order)."""
    greatest = h - lo
    v = abs(prev_close - h)
    if v > greatest:
        greatest = v
    v = abs(prev_close - lo)
    if v > greatest:
        greatest = v
    return greatest


@kernel
def trange_clean(h: Any, lo: Any, c: Any, out: Any) -> None:
    """True range from the second bar on."""
    for t in range(1, c.shape[0]):
        out[t] = true_range(h[t], lo[t], c[t - 1])


@kernel
def atr_clean(h: Any, lo: Any, c: Any, p: int, normalise: bool, out: Any) -> None:
    """Wilder's ATR (seed = mean of the first ``p`` true ranges); NATR divides by close × 100."""
    n = c.shape[0]
    if n <= p:
        return
    total = 0.0
    for t in range(1, p + 1):
        total += true_range(h[t], lo[t], c[t - 1])
    atr = total / p
    for t in range(p, n):
        if t > p:
            atr *= p - 1
            atr += true_range(h[t], lo[t], c[t - 1])
            atr /= p
        if normalise:
            out[t] = (atr / c[t]) * 100.0 if c[t] != 0.0 else 0.0
        else:
            out[t] = atr


@kernel
def dmi_clean(h: Any, lo: Any, c: Any, p: int, plus: Any, minus: Any, adx: Any) -> None:
    """+DI, -DI (from bar ``p``) and ADX (from bar ``2p - 1``) with TA-Lib's Wilder smoothing."""
    n = c.shape[0]
    if n <= p:
        return
    pdm = 0.0
    mdm = 0.0
    tr_s = 0.0
    sum_dx = 0.0
    adx_v = 0.0
    for t in range(1, n):
        dp = h[t] - h[t - 1]
        dm = lo[t - 1] - lo[t]
        tr = true_range(h[t], lo[t], c[t - 1])
        if t < p:
            if dm > 0.0 and dp < dm:
                mdm += dm
            elif dp > 0.0 and dp > dm:
                pdm += dp
            tr_s += tr
            continue
        mdm -= mdm / p
        pdm -= pdm / p
        if dm > 0.0 and dp < dm:
            mdm += dm
        elif dp > 0.0 and dp > dm:
            pdm += dp
        tr_s = tr_s - (tr_s / p) + tr
        if tr_s != 0.0:
            pdi = 100.0 * (pdm / tr_s)
            mdi = 100.0 * (mdm / tr_s)
        else:
            pdi = 0.0
            mdi = 0.0
        plus[t] = pdi
        minus[t] = mdi
        di_sum = mdi + pdi
        have_dx = tr_s != 0.0 and di_sum != 0.0
        dx = 100.0 * (abs(mdi - pdi) / di_sum) if have_dx else 0.0
        if t < 2 * p - 1:
            if have_dx:
                sum_dx += dx
        elif t == 2 * p - 1:
            if have_dx:
                sum_dx += dx
            adx_v = sum_dx / p
            adx[t] = adx_v
        else:
            if have_dx:
                adx_v = ((adx_v * (p - 1)) + dx) / p
            adx[t] = adx_v


@kernel
def extremes_clean(h: Any, lo: Any, p: int, upper: Any, lower: Any, suf_h: Any, suf_l: Any) -> None:
    """Rolling maximum of ``h`` and minimum of ``lo`` over ``p`` bars (van Herk/Gil-Werman).

    The series is cut into blocks of ``p`` bars; a window is the tail of one block plus
    the head of the next, so its extreme is max(suffix extreme, prefix extreme): three
    comparisons per bar whatever the data, where a rescanning tracker degrades on trends.
    ``suf_h``/``suf_l`` are scratch of the segment's length.
    """
    n = h.shape[0]
    if n < p:
        return
    for b in range(0, n, p):
        end = min(b + p, n) - 1
        suf_h[end] = h[end]
        suf_l[end] = lo[end]
        for j in range(end - 1, b - 1, -1):
            suf_h[j] = h[j] if h[j] > suf_h[j + 1] else suf_h[j + 1]
            suf_l[j] = lo[j] if lo[j] < suf_l[j + 1] else suf_l[j + 1]
    pre_h = 0.0
    pre_l = 0.0
    for t in range(n):
        if t % p == 0:
            pre_h = h[t]
            pre_l = lo[t]
        else:
            pre_h = h[t] if h[t] > pre_h else pre_h
            pre_l = lo[t] if lo[t] < pre_l else pre_l
        if t >= p - 1:
            a = t - p + 1
            upper[t] = suf_h[a] if suf_h[a] > pre_h else pre_h
            lower[t] = suf_l[a] if suf_l[a] < pre_l else pre_l


@kernel
def trange_row(h: Any, lo: Any, c: Any, valid: Any, out: Any) -> None:
    """True range of one row under the gap rule."""
    out[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= c.shape[0]:
            return
        trange_clean(h[s:e], lo[s:e], c[s:e], out[s:e])
        s = e


@kernel
def atr_row(h: Any, lo: Any, c: Any, valid: Any, p: int, normalise: bool, out: Any) -> None:
    """ATR (or NATR) of one row under the gap rule."""
    out[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= c.shape[0]:
            return
        atr_clean(h[s:e], lo[s:e], c[s:e], p, normalise, out[s:e])
        s = e


@kernel
def dmi_row(h: Any, lo: Any, c: Any, valid: Any, p: int, plus: Any, minus: Any, adx: Any) -> None:
    """+DI, -DI and ADX of one row under the gap rule."""
    plus[:] = NAN
    minus[:] = NAN
    adx[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= c.shape[0]:
            return
        dmi_clean(h[s:e], lo[s:e], c[s:e], p, plus[s:e], minus[s:e], adx[s:e])
        s = e


@kernel
def extremes_row(h: Any, lo: Any, valid: Any, p: int, upper: Any, lower: Any, work: Any) -> None:
    """Rolling max/min of one row under the gap rule."""
    upper[:] = NAN
    lower[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= h.shape[0]:
            return
        extremes_clean(h[s:e], lo[s:e], p, upper[s:e], lower[s:e], work[0, s:e], work[1, s:e])
        s = e


@kernel
def trange_2d(h: Any, lo: Any, c: Any, out: Any) -> None:
    """True range of every row."""
    valid = np.empty(c.shape[1], np.bool_)
    for i in range(c.shape[0]):
        mask_finite(h[i], lo[i], c[i], c[i], valid)
        trange_row(h[i], lo[i], c[i], valid, out[i])


@kernel
def atr_2d(h: Any, lo: Any, c: Any, p: int, normalise: bool, out: Any) -> None:
    """ATR (or NATR) of every row."""
    valid = np.empty(c.shape[1], np.bool_)
    for i in range(c.shape[0]):
        mask_finite(h[i], lo[i], c[i], c[i], valid)
        atr_row(h[i], lo[i], c[i], valid, p, normalise, out[i])


@kernel
def dmi_2d(h: Any, lo: Any, c: Any, p: int, plus: Any, minus: Any, adx: Any) -> None:
    """+DI, -DI and ADX of every row."""
    valid = np.empty(c.shape[1], np.bool_)
    for i in range(c.shape[0]):
        mask_finite(h[i], lo[i], c[i], c[i], valid)
        dmi_row(h[i], lo[i], c[i], valid, p, plus[i], minus[i], adx[i])


@kernel
def extremes_2d(h: Any, lo: Any, p: int, upper: Any, lower: Any) -> None:
    """Rolling max of ``h`` and min of ``lo`` for every row."""
    valid = np.empty(h.shape[1], np.bool_)
    work = np.empty((2, h.shape[1]))
    for i in range(h.shape[0]):
        mask_finite(h[i], lo[i], h[i], lo[i], valid)
        extremes_row(h[i], lo[i], valid, p, upper[i], lower[i], work)
