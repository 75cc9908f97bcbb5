"""Numba kernels: rolling VWAP, volume z-score, volatility estimators; the OBV driver."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simbiot.analysis.indicators._jit import kernel
from simbiot.analysis.indicators._k_averages import std_clean
from simbiot.analysis.indicators._k_streams import BLOCK, obv_block
from simbiot.analysis.indicators._segments import mask_finite, mask_positive, next_segment

NAN = np.nan
CLOSE_TO_CLOSE = 0
PARKINSON = 1
GARMAN_KLASS = 2
ROGERS_SATCHELL = 3
_LN2 = math.log(2.0)
_GK_C = 2.0 * _LN2 - 1.0


@kernel
def vwap_clean(h: Any, lo: Any, c: Any, v: Any, p: int, out: Any, tp: Any, pv: Any) -> None:
    """Typical-price VWAP over ``p`` bars; a window with no volume gives its mean typical price.

    ``tp``/``pv`` are scratch of the segment's length; the running sums are rebuilt every
    ``p`` bars so rounding never accumulates.
    """
    n = c.shape[0]
    if n < p:
        return
    for t in range(n):
        tp[t] = (h[t] + lo[t] + c[t]) / 3.0
        pv[t] = tp[t] * v[t]
    spv = 0.0
    sv = 0.0
    stp = 0.0
    phase = 0  # (t - p + 1) mod p, counted rather than divided
    for t in range(p - 1, n):
        rebuild = phase == 0
        phase = phase + 1 if phase + 1 < p else 0
        if rebuild:
            spv = 0.0
            sv = 0.0
            stp = 0.0
            for j in range(t - p + 1, t + 1):
                spv += pv[j]
                sv += v[j]
                stp += tp[j]
        else:
            spv += pv[t] - pv[t - p]
            sv += v[t] - v[t - p]
            stp += tp[t] - tp[t - p]
        out[t] = spv / sv if sv > 0.0 else stp / p


@kernel
def zscore_clean(x: Any, p: int, out: Any, mean: Any) -> None:
    """(x - rolling mean) / rolling population deviation over ``p`` bars; 0 when flat."""
    std_clean(x, p, out, mean)
    for t in range(p - 1, x.shape[0]):
        sd = out[t]
        out[t] = (x[t] - mean[t]) / sd if sd > 0.0 else 0.0


@kernel
def ohlc_terms(a: float, b: float, d: float) -> tuple[float, float]:
    """Per-bar Garman-Klass and Rogers-Satchell terms from ln(H/C), ln(L/C) and ln(C/O).

    ln(H/O) = ln(H/C) + ln(C/O) and ln(L/O) = ln(L/C) + ln(C/O) spare two of the five
    logarithms the textbook formulas take.
    """
    hl = a - b
    return 0.5 * hl * hl - _GK_C * d * d, a * (a + d) + b * (b + d)


@kernel
def rolling_vol(terms: Any, p: int, ann: float, out: Any) -> None:
    """out = sqrt(annualisation × mean of ``terms`` over ``p`` bars), floored at 0.

    The window sum is rebuilt every ``p`` bars so rounding never accumulates.
    """
    total = 0.0
    phase = 0  # (t - p + 1) mod p, counted rather than divided
    for t in range(p - 1, terms.shape[0]):
        rebuild = phase == 0
        phase = phase + 1 if phase + 1 < p else 0
        if rebuild:
            total = 0.0
            for j in range(t - p + 1, t + 1):
                total += terms[j]
        else:
            total += terms[t] - terms[t - p]
        var = total / p
        out[t] = math.sqrt(var * ann) if var > 0.0 else 0.0


@kernel
def parkinson_clean(lhl: Any, p: int, ann: float, out: Any, terms: Any) -> None:
    """Parkinson volatility over ``p`` bars from ln(H/L); ``terms`` is scratch."""
    if lhl.shape[0] < p:
        return
    for t in range(lhl.shape[0]):
        terms[t] = lhl[t] * lhl[t] / (4.0 * _LN2)
    rolling_vol(terms, p, ann, out)


@kernel
def ohlc_vols_clean(
    a: Any, b: Any, d: Any, p: int, ann: float, gk: Any, rs: Any, work: Any
) -> None:
    """Garman-Klass and Rogers-Satchell volatility together; ``work`` is (2, length) scratch."""
    n = a.shape[0]
    if n < p:
        return
    for t in range(n):
        work[0, t], work[1, t] = ohlc_terms(a[t], b[t], d[t])
    rolling_vol(work[0], p, ann, gk)
    rolling_vol(work[1], p, ann, rs)


@kernel
def cc_vol_clean(c: Any, p: int, ann: float, out: Any, tmp: Any) -> None:
    """Population deviation of the last ``p`` log returns × sqrt(annualisation)."""
    n = c.shape[0]
    if n <= p:
        return
    for t in range(1, n):
        tmp[t] = math.log(c[t] / c[t - 1])
    std_clean(tmp[1:], p, out[1:], out[1:])
    scale = math.sqrt(ann)
    for t in range(p, n):
        out[t] *= scale


@kernel
def vwap_row(h: Any, lo: Any, c: Any, v: Any, valid: Any, p: int, out: Any, work: Any) -> None:
    """Rolling VWAP of one row under the gap rule."""
    out[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= c.shape[0]:
            return
        vwap_clean(h[s:e], lo[s:e], c[s:e], v[s:e], p, out[s:e], work[0, s:e], work[1, s:e])
        s = e


@kernel
def zscore_row(x: Any, valid: Any, p: int, out: Any, tmp: Any) -> None:
    """Rolling z-score of one row under the gap rule."""
    out[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= x.shape[0]:
            return
        zscore_clean(x[s:e], p, out[s:e], tmp[s:e])
        s = e


@kernel
def cc_vol_row(c: Any, valid: Any, p: int, ann: float, out: Any, tmp: Any) -> None:
    """Close-to-close volatility of one row; ``valid`` must require a positive close."""
    out[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= c.shape[0]:
            return
        cc_vol_clean(c[s:e], p, ann, out[s:e], tmp[s:e])
        s = e


@kernel
def parkinson_row(lhl: Any, valid: Any, p: int, ann: float, out: Any, tmp: Any) -> None:
    """Parkinson volatility of one row; ``valid`` must require positive high and low."""
    out[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= lhl.shape[0]:
            return
        parkinson_clean(lhl[s:e], p, ann, out[s:e], tmp[s:e])
        s = e


@kernel
def ohlc_vols_row(
    a: Any, b: Any, d: Any, valid: Any, p: int, ann: float, gk: Any, rs: Any, work: Any
) -> None:
    """Garman-Klass and Rogers-Satchell volatility of one row (positive OHLC required)."""
    gk[:] = NAN
    rs[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= a.shape[0]:
            return
        ohlc_vols_clean(a[s:e], b[s:e], d[s:e], p, ann, gk[s:e], rs[s:e], work[:, s:e])
        s = e


@kernel
def obv_2d(c: Any, v: Any, out: Any) -> None:
    """OBV of every row."""
    for r0 in range(0, c.shape[0], BLOCK):
        obv_block(c, v, r0, min(BLOCK, c.shape[0] - r0), out)


@kernel
def vwap_2d(h: Any, lo: Any, c: Any, v: Any, p: int, out: Any) -> None:
    """Rolling VWAP of every row."""
    valid = np.empty(c.shape[1], np.bool_)
    work = np.empty((2, c.shape[1]))
    for i in range(c.shape[0]):
        mask_finite(h[i], lo[i], c[i], v[i], valid)
        vwap_row(h[i], lo[i], c[i], v[i], valid, p, out[i], work)


@kernel
def zscore_2d(x: Any, p: int, out: Any) -> None:
    """Rolling z-score of every row."""
    valid = np.empty(x.shape[1], np.bool_)
    tmp = np.empty(x.shape[1])
    for i in range(x.shape[0]):
        mask_finite(x[i], x[i], x[i], x[i], valid)
        zscore_row(x[i], valid, p, out[i], tmp)


@kernel
def vol_2d(
    o: Any, h: Any, lo: Any, c: Any, logs: Any, p: int, kind: int, ann: float, out: Any
) -> None:
    """One volatility estimator of every row (candles with a non-positive price are gaps).

    ``logs`` holds the log ratios the estimator reads: ln(H/L) for Parkinson; ln(H/C),
    ln(L/C), ln(C/O) for Garman-Klass and Rogers-Satchell; nothing for close-to-close.
    """
    valid = np.empty(c.shape[1], np.bool_)
    work = np.empty((2, c.shape[1]))
    other = np.empty(c.shape[1])
    for i in range(c.shape[0]):
        if kind == CLOSE_TO_CLOSE:
            mask_positive(c[i], c[i], c[i], c[i], valid)
            cc_vol_row(c[i], valid, p, ann, out[i], work[0])
        elif kind == PARKINSON:
            mask_positive(h[i], lo[i], h[i], lo[i], valid)
            parkinson_row(logs[0, i], valid, p, ann, out[i], work[0])
        elif kind == GARMAN_KLASS:
            mask_positive(o[i], h[i], lo[i], c[i], valid)
            ohlc_vols_row(logs[0, i], logs[1, i], logs[2, i], valid, p, ann, out[i], other, work)
        else:
            mask_positive(o[i], h[i], lo[i], c[i], valid)
            ohlc_vols_row(logs[0, i], logs[1, i], logs[2, i], valid, p, ann, other, out[i], work)
