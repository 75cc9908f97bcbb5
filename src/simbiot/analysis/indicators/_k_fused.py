"""The fused kernel: every wanted indicator of the standard set in one compiled call.

A block of rows stays in cache while all indicators run over it, and all results land in
one preallocated block; scratch rows are allocated once per call. ``slot`` maps each
layer of ``INDICATOR_NAMES`` to its layer in the output block, -1 for a layer nobody
asked for: a layer that is not wanted is neither computed nor stored.
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


# layers of INDICATOR_NAMES, in its order
(
    L_SMA, L_EMA_FAST, L_EMA_SLOW, L_EMA_TREND, L_RSI, L_MACD, L_MACD_SIGNAL, L_MACD_HIST,
    L_BB_UPPER, L_BB_MIDDLE, L_BB_LOWER, L_TRANGE, L_ATR, L_NATR, L_PLUS_DI, L_MINUS_DI,
    L_ADX, L_OBV, L_MFI, L_STOCH_K, L_STOCH_D, L_CCI, L_DONCHIAN_UPPER, L_DONCHIAN_LOWER,
    L_DONCHIAN_MIDDLE, L_VWAP, L_LOG_RETURN, L_STD, L_CC_VOL, L_PARKINSON, L_GK, L_RS,
    L_VOLUME_Z,
) = range(33)  # fmt: skip
N_LAYERS = 33


@kernel
def fused_2d(
    o: Any,
    h: Any,
    lo: Any,
    c: Any,
    v: Any,
    logs: Any,
    p: Any,
    slot: Any,
    nbdev: float,
    ann: float,
    out: Any,
    first: int,
    stop: int,
) -> None:
    """Fill rows ``first`` to ``stop`` of the wanted layers of ``out`` (layers, symbols, time).

    ``logs`` is (4, stop - first, time): ln(H/L), ln(H/C), ln(L/C), ln(C/O) of those rows,
    read only when a range-based volatility layer is wanted. The caller wants whole groups
    (MACD line with signal and histogram, Bollinger, DMI, stochastic, Donchian,
    Garman-Klass with Rogers-Satchell), the MACD histogram alone if it likes, and the log
    return with the close-to-close volatility.

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
    want_macd_lines = slot[L_MACD] >= 0
    want_bb = slot[L_BB_MIDDLE] >= 0
    want_std = slot[L_STD] >= 0
    shared_std = want_bb and p[P_STD] == p[P_BB]
    want_donchian = slot[L_DONCHIAN_UPPER] >= 0
    want_tr = slot[L_TRANGE] >= 0
    want_atr = slot[L_ATR] >= 0
    want_natr = slot[L_NATR] >= 0
    want_hlcv = slot[L_MFI] >= 0 or slot[L_VWAP] >= 0
    want_pohlc = slot[L_GK] >= 0
    for r0 in range(first, stop, BLOCK):
        nb = min(BLOCK, stop - r0)
        if slot[L_SMA] >= 0:
            ks.sma_block(c, r0, nb, p[P_SMA], out[slot[L_SMA]])
        if slot[L_EMA_FAST] >= 0:
            ks.ema_block(c, r0, nb, p[P_EMA_FAST], out[slot[L_EMA_FAST]])
        if slot[L_EMA_SLOW] >= 0:
            ks.ema_block(c, r0, nb, p[P_EMA_SLOW], out[slot[L_EMA_SLOW]])
        if slot[L_EMA_TREND] >= 0:
            ks.ema_block(c, r0, nb, p[P_EMA_TREND], out[slot[L_EMA_TREND]])
        if slot[L_RSI] >= 0:
            ks.rsi_block(c, r0, nb, p[P_RSI], out[slot[L_RSI]])
        if slot[L_MACD_HIST] >= 0:
            ks.macd_block(
                c,
                r0,
                nb,
                p[P_MACD_FAST],
                p[P_MACD_SLOW],
                p[P_MACD_SIGNAL],
                out[max(slot[L_MACD], 0)],
                out[max(slot[L_MACD_SIGNAL], 0)],
                out[slot[L_MACD_HIST]],
                want_macd_lines,
            )
        if want_bb:
            ks.sma_block(c, r0, nb, p[P_BB], out[slot[L_BB_MIDDLE]])
        if want_tr or want_atr or want_natr:
            # a layer that is not wanted is not written: any layer stands in for it
            ks.range_block(
                h,
                lo,
                c,
                r0,
                nb,
                p[P_ATR],
                out[max(slot[L_TRANGE], 0)],
                out[max(slot[L_ATR], 0)],
                out[max(slot[L_NATR], 0)],
                want_tr,
                want_atr,
                want_natr,
            )
        if slot[L_ADX] >= 0:
            ks.dmi_block(
                h,
                lo,
                c,
                r0,
                nb,
                p[P_ADX],
                out[slot[L_PLUS_DI]],
                out[slot[L_MINUS_DI]],
                out[slot[L_ADX]],
            )
        if slot[L_OBV] >= 0:
            ks.obv_block(c, v, r0, nb, out[slot[L_OBV]])
        if slot[L_LOG_RETURN] >= 0:
            ks.change_block(c, r0, nb, 1, True, out[slot[L_LOG_RETURN]])
        if slot[L_CCI] >= 0:
            ks.cci_block(h, lo, c, r0, nb, p[P_CCI], ka.FLAT_EPS, out[slot[L_CCI]])
        for i in range(r0, r0 + nb):
            oi, hi, li, ci, vi = o[i], h[i], lo[i], c[i], v[i]
            j = i - first
            mask_finite(ci, ci, ci, ci, v_c)
            if want_bb or shared_std:
                ka.std_row(ci, v_c, p[P_BB], s1)
            if want_bb:
                ka.bands_from_std(
                    out[slot[L_BB_MIDDLE], i],
                    s1,
                    nbdev,
                    out[slot[L_BB_UPPER], i],
                    out[slot[L_BB_LOWER], i],
                )
            if want_hlcv:
                mask_finite(hi, li, ci, vi, v_hlcv)
            if slot[L_MFI] >= 0:
                km.mfi_row(hi, li, ci, vi, v_hlcv, p[P_MFI], out[slot[L_MFI], i])
            if slot[L_STOCH_K] >= 0 or want_donchian:
                mask_finite(hi, li, ci, ci, v_hlc)
            if slot[L_STOCH_K] >= 0:
                km.stoch_row(
                    hi,
                    li,
                    ci,
                    v_hlc,
                    p[P_FASTK],
                    p[P_SLOWK],
                    p[P_SLOWD],
                    out[slot[L_STOCH_K], i],
                    out[slot[L_STOCH_D], i],
                    work,
                )
            if want_donchian:
                up_i = out[slot[L_DONCHIAN_UPPER], i]
                dn_i = out[slot[L_DONCHIAN_LOWER], i]
                mid_i = out[slot[L_DONCHIAN_MIDDLE], i]
                kr.extremes_row(hi, li, v_hlc, p[P_DONCHIAN], up_i, dn_i, work)
                for t in range(t_len):
                    mid_i[t] = (up_i[t] + dn_i[t]) * 0.5
            if slot[L_VWAP] >= 0:
                kv.vwap_row(hi, li, ci, vi, v_hlcv, p[P_VWAP], out[slot[L_VWAP], i], work)
            if shared_std and want_std:
                out[slot[L_STD], i, :] = s1
            elif want_std:
                ka.std_row(ci, v_c, p[P_STD], out[slot[L_STD], i])
            if slot[L_CC_VOL] >= 0:
                # the log-return layer already holds every return the estimator needs, with
                # NaN exactly where a close is missing or not positive: no second logarithm
                lr_i = out[slot[L_LOG_RETURN], i]
                mask_finite(lr_i, lr_i, lr_i, lr_i, v_lr)
                cc_i = out[slot[L_CC_VOL], i]
                ka.std_row(lr_i, v_lr, p[P_VOL], cc_i)
                for t in range(t_len):
                    cc_i[t] *= root_ann
            if slot[L_PARKINSON] >= 0:
                mask_positive(hi, li, hi, li, v_phl)
                kv.parkinson_row(logs[0, j], v_phl, p[P_VOL], ann, out[slot[L_PARKINSON], i], s2)
            if want_pohlc:
                mask_positive(oi, hi, li, ci, v_pohlc)
                kv.ohlc_vols_row(
                    logs[1, j],
                    logs[2, j],
                    logs[3, j],
                    v_pohlc,
                    p[P_VOL],
                    ann,
                    out[slot[L_GK], i],
                    out[slot[L_RS], i],
                    work,
                )
            if slot[L_VOLUME_Z] >= 0:
                mask_finite(vi, vi, vi, vi, v_v)
                kv.zscore_row(vi, v_v, p[P_VOLZ], out[slot[L_VOLUME_Z], i], s2)
