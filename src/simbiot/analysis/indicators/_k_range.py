"""Numba kernels: rolling extremes, and the 2-D drivers of true range, ATR/NATR and DMI."""

from __future__ import annotations

from typing import Any

import numpy as np

from simbiot.analysis.indicators._jit import kernel
from simbiot.analysis.indicators._k_streams import BLOCK, dmi_block, range_block
from simbiot.analysis.indicators._segments import mask_finite, next_segment

NAN = np.nan


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
    phase = 0  # t mod p, counted rather than divided
    for t in range(n):
        fresh = phase == 0
        phase = phase + 1 if phase + 1 < p else 0
        if fresh:
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
def extremes_2d(h: Any, lo: Any, p: int, upper: Any, lower: Any) -> None:
    """Rolling max of ``h`` and min of ``lo`` for every row."""
    valid = np.empty(h.shape[1], np.bool_)
    work = np.empty((2, h.shape[1]))
    for i in range(h.shape[0]):
        mask_finite(h[i], lo[i], h[i], lo[i], valid)
        extremes_row(h[i], lo[i], valid, p, upper[i], lower[i], work)


@kernel
def range_2d(h: Any, lo: Any, c: Any, p: int, tr: Any, atr: Any, natr: Any, want: Any) -> None:
    """True range, ATR and NATR of every row; ``want`` flags which of the three to write."""
    for r0 in range(0, c.shape[0], BLOCK):
        nb = min(BLOCK, c.shape[0] - r0)
        range_block(h, lo, c, r0, nb, p, tr, atr, natr, want[0], want[1], want[2])


@kernel
def dmi_2d(h: Any, lo: Any, c: Any, p: int, plus: Any, minus: Any, adx: Any) -> None:
    """+DI, -DI and ADX of every row."""
    for r0 in range(0, c.shape[0], BLOCK):
        dmi_block(h, lo, c, r0, min(BLOCK, c.shape[0] - r0), p, plus, minus, adx)
