"""The fused kernel: every indicator of the standard set in one compiled call.

A block of rows stays in cache while all indicators run over it, and all results land in
one preallocated block; scratch rows are allocated once per call.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simbiot.analysis.indicators import _k_averages as ka
from simbiot.analysis.indicators import _k_momentum as km
from simbiot.analysis.indicators import _k_range as kr
from simbiot.analysis.indicators import _k_streams as ks
from simbiot.analysis.indicators import _k_volume as kv
from simbiot.analysis.indicators._jit import kernel
from simbiot.analysis.indicators._k_streams import BLOCK
from simbiot.analysis.indicators._segments import mask_finite, mask_positive

# integer parameter slots, in the order the caller packs them
P_SMA, P_EMA_FAST, P_EMA_SLOW, P_EMA_TREND, P_RSI = 0, 1, 2, 3, 4
P_MACD_FAST, P_MACD_SLOW, P_MACD_SIGNAL, P_BB, P_ATR, P_ADX, P_MFI = 5, 6, 7, 8, 9, 10, 11
P_FASTK, P_SLOWK, P_SLOWD, P_CCI, P_DONCHIAN, P_VWAP, P_STD, P_VOL, P_VOLZ = (
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
)
N_PARAMS = 21


@kernel
def fused_2d(
    o: Any,
    h: Any,
    lo: Any,
    c: Any,
    v: Any,
    logs: Any,
    p: Any,
    nbdev: float,
    ann: float,
    out: Any,
    first: int,
    stop: int,
) -> None:
    """Fill rows ``first`` to ``stop`` of ``out`` (INDICATOR_NAMES order, symbols, time).

    ``logs`` is (4, stop - first, time): ln(H/L), ln(H/C), ln(L/C), ln(C/O) of those rows.

    Rows go in blocks: the recurrent indicators stream over the block's rows together,
    then the window indicators run row by row while the block is still in cache.
    """
    t_len = c.shape[1]
    v_c = np.empty(t_len, np.bool_)
    v_hlc = np.empty(t_len, np.bool_)
    v_hlcv = np.empty(t_len, np.bool_)
    v_v = np.empty(t_len, np.bool_)
    v_lr = np.empty(t_len, np.bool_)
    root_ann = math.sqrt(ann)
    v_pohlc = np.empty(t_len, np.bool_)
    v_phl = np.empty(t_len, np.bool_)
    s1 = np.empty(t_len)
    work = np.empty((4, t_len))
    s2 = work[3]
    for r0 in range(first, stop, BLOCK):
        nb = min(BLOCK, stop - r0)
        ks.sma_block(c, r0, nb, p[P_SMA], out[0])
        ks.ema_block(c, r0, nb, p[P_EMA_FAST], out[1])
        ks.ema_block(c, r0, nb, p[P_EMA_SLOW], out[2])
        ks.ema_block(c, r0, nb, p[P_EMA_TREND], out[3])
        ks.rsi_block(c, r0, nb, p[P_RSI], out[4])
        ks.macd_block(
            c, r0, nb, p[P_MACD_FAST], p[P_MACD_SLOW], p[P_MACD_SIGNAL], out[5], out[6], out[7]
        )
        ks.sma_block(c, r0, nb, p[P_BB], out[9])
        ks.range_block(h, lo, c, r0, nb, p[P_ATR], out[11], out[12], out[13], True, True, True)
        ks.dmi_block(h, lo, c, r0, nb, p[P_ADX], out[14], out[15], out[16])
        ks.obv_block(c, v, r0, nb, out[17])
        ks.change_block(c, r0, nb, 1, True, out[26])
        ks.cci_block(h, lo, c, r0, nb, p[P_CCI], ka.FLAT_EPS, out[21])
        for i in range(r0, r0 + nb):
            oi, hi, li, ci, vi = o[i], h[i], lo[i], c[i], v[i]
            mask_finite(ci, ci, ci, ci, v_c)
            mask_finite(hi, li, ci, ci, v_hlc)
            mask_finite(hi, li, ci, vi, v_hlcv)
            mask_finite(vi, vi, vi, vi, v_v)
            mask_positive(oi, hi, li, ci, v_pohlc)
            mask_positive(hi, li, hi, li, v_phl)
            ka.std_row(ci, v_c, p[P_BB], s1)
            ka.bands_from_std(out[9, i], s1, nbdev, out[8, i], out[10, i])
            km.mfi_row(hi, li, ci, vi, v_hlcv, p[P_MFI], out[18, i])
            km.stoch_row(
                hi, li, ci, v_hlc, p[P_FASTK], p[P_SLOWK], p[P_SLOWD], out[19, i], out[20, i], work
            )
            kr.extremes_row(hi, li, v_hlc, p[P_DONCHIAN], out[22, i], out[23, i], work)
            up_i, dn_i, mid_i = out[22, i], out[23, i], out[24, i]
            for t in range(t_len):
                mid_i[t] = (up_i[t] + dn_i[t]) * 0.5
            kv.vwap_row(hi, li, ci, vi, v_hlcv, p[P_VWAP], out[25, i], work)
            if p[P_STD] == p[P_BB]:
                out[27, i, :] = s1
            else:
                ka.std_row(ci, v_c, p[P_STD], out[27, i])
            # the log-return layer already holds every return the estimator needs, with
            # NaN exactly where a close is missing or not positive: no second logarithm
            lr_i = out[26, i]
            mask_finite(lr_i, lr_i, lr_i, lr_i, v_lr)
            ka.std_row(lr_i, v_lr, p[P_VOL], out[28, i])
            cc_i = out[28, i]
            for t in range(t_len):
                cc_i[t] *= root_ann
            j = i - first
            kv.parkinson_row(logs[0, j], v_phl, p[P_VOL], ann, out[29, i], s2)
            kv.ohlc_vols_row(
                logs[1, j],
                logs[2, j],
                logs[3, j],
                v_pohlc,
                p[P_VOL],
                ann,
                out[30, i],
                out[31, i],
                work,
            )
            kv.zscore_row(vi, v_v, p[P_VOLZ], out[32, i], s2)
