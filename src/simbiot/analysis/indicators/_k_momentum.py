"""Numba kernels: stochastic and MFI; the 2-D drivers of RSI, CCI and n-bar returns."""

from __future__ import annotations

from typing import Any

import numpy as np

from simbiot.analysis.indicators._jit import kernel
from simbiot.analysis.indicators._k_averages import FLAT_EPS
from simbiot.analysis.indicators._k_range import extremes_clean
from simbiot.analysis.indicators._k_streams import BLOCK, cci_block, change_block, rsi_block
from simbiot.analysis.indicators._segments import mask_finite, next_segment

NAN = np.nan


@kernel
def stoch_clean(
    h: Any, lo: Any, c: Any, fk: int, sk: int, sd: int, k_out: Any, d_out: Any, work: Any
) -> None:
    """Slow stochastic %K/%D (SMA smoothing); ``work`` is (4, segment length) scratch."""
    n = c.shape[0]
    first = fk - 1
    total_lb = first + sk - 1 + sd - 1
    if n <= total_lb:
        return
    hi = work[0]
    lw = work[1]
    fast = work[2]
    extremes_clean(h, lo, fk, hi, lw, work[3], fast)
    for t in range(first, n):
        flat = abs(hi[t] - lw[t]) <= FLAT_EPS * (abs(hi[t]) + abs(lw[t]))
        fast[t] = 0.0 if flat else (c[t] - lw[t]) / ((hi[t] - lw[t]) / 100.0)
    # slow %K = SMA(fast %K, sk), slow %D = SMA(slow %K, sd): TA-Lib's running-sum order
    total = 0.0
    for t in range(first, first + sk - 1):
        total += fast[t]
    for t in range(first + sk - 1, n):
        total += fast[t]
        k_out[t] = total / sk
        total -= fast[t - sk + 1]
    total = 0.0
    k_first = first + sk - 1
    for t in range(k_first, k_first + sd - 1):
        total += k_out[t]
    for t in range(total_lb, n):
        total += k_out[t]
        d_out[t] = total / sd
        total -= k_out[t - sd + 1]
    for t in range(k_first, total_lb):
        k_out[t] = NAN


@kernel
def mfi_clean(h: Any, lo: Any, c: Any, v: Any, p: int, out: Any, pos_b: Any, neg_b: Any) -> None:
    """Money Flow Index over ``p`` bars; ``pos_b``/``neg_b`` are scratch of length ``p``.

    A typical-price move within rounding of the price level carries no flow, and after
    ``p`` flowless bars the running sums are reset to exact zero (TA-Lib's rules), so
    flat stretches read 0 instead of amplified rounding residue.
    """
    n = c.shape[0]
    if n <= p:
        return
    prev = (h[0] + lo[0] + c[0]) / 3.0
    pos = 0.0
    neg = 0.0
    idx = 0
    null_run = 0
    for t in range(1, n):
        if t > p:
            pos -= pos_b[idx]
            neg -= neg_b[idx]
        tp = (h[t] + lo[t] + c[t]) / 3.0
        d = tp - prev
        level = abs(tp) + abs(prev)
        prev = tp
        flow = 0.0 if abs(d) <= FLAT_EPS * level else tp * v[t]
        pos_f = 0.0 if d < 0.0 else flow
        neg_f = flow if d < 0.0 else 0.0
        pos_b[idx] = pos_f
        neg_b[idx] = neg_f
        pos += pos_f
        neg += neg_f
        null_run = null_run + 1 if flow == 0.0 else 0
        if null_run >= p:
            null_run = p
            pos = 0.0
            neg = 0.0
        idx += 1
        if idx > p - 1:
            idx = 0
        if t >= p:
            total = pos + neg
            clamped = 0.0 if pos < 0.0 else (total if pos > total else pos)
            out[t] = 100.0 * (clamped / total) if total > 0.0 else 0.0


@kernel
def stoch_row(
    h: Any, lo: Any, c: Any, valid: Any, fk: int, sk: int, sd: int, k: Any, d: Any, work: Any
) -> None:
    """Slow stochastic of one row under the gap rule."""
    k[:] = NAN
    d[:] = NAN
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= c.shape[0]:
            return
        stoch_clean(h[s:e], lo[s:e], c[s:e], fk, sk, sd, k[s:e], d[s:e], work[:, s:e])
        s = e


@kernel
def mfi_row(h: Any, lo: Any, c: Any, v: Any, valid: Any, p: int, out: Any) -> None:
    """MFI of one row under the gap rule."""
    out[:] = NAN
    pos_b = np.zeros(p)
    neg_b = np.zeros(p)
    s = 0
    while True:
        s, e = next_segment(valid, s)
        if s >= c.shape[0]:
            return
        mfi_clean(h[s:e], lo[s:e], c[s:e], v[s:e], p, out[s:e], pos_b, neg_b)
        s = e


@kernel
def rsi_2d(x: Any, p: int, out: Any) -> None:
    """RSI of every row."""
    for r0 in range(0, x.shape[0], BLOCK):
        rsi_block(x, r0, min(BLOCK, x.shape[0] - r0), p, out)


@kernel
def change_2d(x: Any, k: int, log: bool, out: Any) -> None:
    """k-bar percentage change or log return of every row."""
    for r0 in range(0, x.shape[0], BLOCK):
        change_block(x, r0, min(BLOCK, x.shape[0] - r0), k, log, out)


@kernel
def stoch_2d(h: Any, lo: Any, c: Any, fk: int, sk: int, sd: int, k: Any, d: Any) -> None:
    """Slow stochastic of every row."""
    valid = np.empty(c.shape[1], np.bool_)
    work = np.empty((4, c.shape[1]))
    for i in range(c.shape[0]):
        mask_finite(h[i], lo[i], c[i], c[i], valid)
        stoch_row(h[i], lo[i], c[i], valid, fk, sk, sd, k[i], d[i], work)


@kernel
def cci_2d(h: Any, lo: Any, c: Any, p: int, out: Any) -> None:
    """CCI of every row."""
    for r0 in range(0, c.shape[0], BLOCK):
        cci_block(h, lo, c, r0, min(BLOCK, c.shape[0] - r0), p, FLAT_EPS, out)


@kernel
def mfi_2d(h: Any, lo: Any, c: Any, v: Any, p: int, out: Any) -> None:
    """MFI of every row."""
    valid = np.empty(c.shape[1], np.bool_)
    for i in range(c.shape[0]):
        mask_finite(h[i], lo[i], c[i], v[i], valid)
        mfi_row(h[i], lo[i], c[i], v[i], valid, p, out[i])
