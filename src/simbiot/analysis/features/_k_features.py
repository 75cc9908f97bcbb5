"""Numba kernel: the element-wise features, all layers in one pass over each row."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simbiot.analysis.indicators._jit import kernel

NAN = np.nan

# indicator layers the kernel reads, in the order the caller packs their block indices
L_ATR, L_CC_VOL, L_EMA_FAST, L_EMA_SLOW, L_EMA_TREND, L_SMA = 0, 1, 2, 3, 4, 5
L_BB_UP, L_BB_LO, L_RSI, L_MACD_HIST, L_ADX, L_PDI, L_MDI, L_NATR, L_VOLZ = (
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
)
N_LAYERS = 15


@kernel
def bounded(num: float, den: float, clip: float) -> float:
    """num / den clipped to ±clip; 0 for 0/0, ±clip for x/0, NaN for NaN."""
    if math.isnan(num) or math.isnan(den):
        return NAN
    if den == 0.0:
        if num == 0.0:
            return 0.0
        return clip if num > 0.0 else -clip
    r = num / den
    if r > clip:
        return clip
    if r < -clip:
        return -clip
    return r


@kernel
def clipped(x: float, lo: float, hi: float) -> float:
    """x limited to [lo, hi]; NaN stays NaN."""
    if x > hi:
        return hi
    if x < lo:
        return lo
    return x


@kernel
def features_2d(
    close: Any,
    volume: Any,
    ind: Any,
    layer: Any,
    rets: Any,
    bench: Any,
    horizons: Any,
    inv_sqrt_ann: float,
    liq_window: int,
    above: Any,
    advancing: Any,
    clip: float,
    out: Any,
    first: int,
    stop: int,
) -> None:
    """Fill rows ``first`` to ``stop`` of ``out`` (feature_names order), except the
    volatility rank layer and the logarithm of the liquidity layer (see ``quote_volume``).
    """
    n_h = horizons.shape[0]
    t_len = close.shape[1]
    k0 = 2 * n_h
    for i in range(first, stop):
        c = close[i]
        atr = ind[layer[L_ATR], i]
        vol = ind[layer[L_CC_VOL], i]
        for h in range(n_h):
            scale = inv_sqrt_ann * math.sqrt(horizons[h])
            r = rets[h, i]
            b = bench[h]
            for t in range(t_len):
                out[h, i, t] = bounded(r[t], vol[t] * scale, clip)
                out[n_h + h, i, t] = clipped(r[t] - b[t], -clip, clip)
        levels = (L_EMA_FAST, L_EMA_SLOW, L_EMA_TREND, L_SMA, L_BB_UP, L_BB_LO)
        for k in range(6):
            lv = ind[layer[levels[k]], i]
            for t in range(t_len):
                out[k0 + k, i, t] = bounded(c[t] - lv[t], atr[t], clip)
        up = ind[layer[L_BB_UP], i]
        lo = ind[layer[L_BB_LO], i]
        rsi = ind[layer[L_RSI], i]
        hist = ind[layer[L_MACD_HIST], i]
        adx = ind[layer[L_ADX], i]
        pdi = ind[layer[L_PDI], i]
        mdi = ind[layer[L_MDI], i]
        natr = ind[layer[L_NATR], i]
        volz = ind[layer[L_VOLZ], i]
        for t in range(t_len):
            out[k0 + 6, i, t] = bounded(up[t] - lo[t], atr[t], clip)
            out[k0 + 7, i, t] = (rsi[t] - 50.0) / 50.0
            out[k0 + 8, i, t] = bounded(hist[t], atr[t], clip)
            out[k0 + 9, i, t] = adx[t] / 100.0
            out[k0 + 10, i, t] = (pdi[t] - mdi[t]) / 100.0
            out[k0 + 11, i, t] = clipped(natr[t], 0.0, 100.0)
            out[k0 + 12, i, t] = clipped(volz[t], -clip, clip)
            out[k0 + 15, i, t] = above[t]
            out[k0 + 16, i, t] = advancing[t]
        quote_volume(c, volume[i], liq_window, out[k0 + 13, i])


@kernel
def quote_volume(c: Any, v: Any, window: int, out: Any) -> None:
    """Trailing ``window``-candle quote volume of one row, floored at 0; NaN until the
    window is full and while it holds a non-finite candle. The caller takes ``log1p``.

    The window is summed afresh every ``window`` candles, so rounding never accumulates.
    """
    quote = 0.0
    bad = 0
    phase = 0  # t mod window, counted rather than divided
    for t in range(c.shape[0]):
        fresh = phase == 0
        phase = phase + 1 if phase + 1 < window else 0
        if fresh:
            quote = 0.0
            bad = 0
            for j in range(max(0, t - window + 1), t + 1):
                q = c[j] * v[j]
                if math.isfinite(q):
                    quote += q
                else:
                    bad += 1
        else:
            q = c[t] * v[t]
            if math.isfinite(q):
                quote += q
            else:
                bad += 1
            if t >= window:
                q = c[t - window] * v[t - window]
                if math.isfinite(q):
                    quote -= q
                else:
                    bad -= 1
        if t >= window - 1 and bad == 0:
            out[t] = quote if quote > 0.0 else 0.0
        else:
            out[t] = NAN


@kernel
def price_ratio_2d(x: Any, k: int, out: Any) -> None:
    """out[i, t] = x[i, t] / x[i, t - k] within each run of finite prices.

    NaN until the run's (k+1)-th candle, after a gap, and where either price is not
    positive: exactly where ``log_returns(x, k)`` is NaN, so ``log(out)`` is that return.
    """
    for i in range(x.shape[0]):
        run = 0
        for t in range(x.shape[1]):
            v = x[i, t]
            if not math.isfinite(v):
                run = 0
                out[i, t] = NAN
                continue
            run += 1
            base = x[i, t - k] if run > k else NAN
            out[i, t] = v / base if (v > 0.0 and base > 0.0) else NAN
