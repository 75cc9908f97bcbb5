"""Compute the whole standard indicator set of a market frame in one compiled pass."""

from __future__ import annotations

import numpy as np

from simbiot.analysis.indicators import _k_fused as kf
from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.analysis.indicators._k_streams import BLOCK
from simbiot.analysis.indicators.indicator_set import (
    INDICATOR_NAMES,
    IndicatorParams,
    IndicatorSet,
)
from simbiot.analysis.indicators.volatility import log_ratio, periods_per_year
from simbiot.domain.frame import MarketFrame

__all__ = ["compute_indicators"]

_DEFAULT_PARAMS = IndicatorParams()
# values per layer of a chunk of log ratios: 4 layers × 1 MiB stay in a core's cache
_LOG_CHUNK_VALUES = 131_072


def _packed(params: IndicatorParams) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    p = np.empty(kf.N_PARAMS, dtype=np.int64)
    p[kf.P_SMA] = params.sma
    p[kf.P_EMA_FAST] = params.ema_fast
    p[kf.P_EMA_SLOW] = params.ema_slow
    p[kf.P_EMA_TREND] = params.ema_trend
    p[kf.P_RSI] = params.rsi
    p[kf.P_MACD_FAST] = params.macd_fast
    p[kf.P_MACD_SLOW] = params.macd_slow
    p[kf.P_MACD_SIGNAL] = params.macd_signal
    p[kf.P_BB] = params.bb_period
    p[kf.P_ATR] = params.atr
    p[kf.P_ADX] = params.adx
    p[kf.P_MFI] = params.mfi
    p[kf.P_FASTK] = params.stoch_fastk
    p[kf.P_SLOWK] = params.stoch_slowk
    p[kf.P_SLOWD] = params.stoch_slowd
    p[kf.P_CCI] = params.cci
    p[kf.P_DONCHIAN] = params.donchian
    p[kf.P_VWAP] = params.vwap
    p[kf.P_STD] = params.std
    p[kf.P_VOL] = params.volatility
    p[kf.P_VOLZ] = params.volume_z
    return p


def _contiguous(a: FloatArray) -> FloatArray:
    return np.ascontiguousarray(a, dtype=np.float64)


def compute_indicators(
    frame: MarketFrame,
    params: IndicatorParams = _DEFAULT_PARAMS,
    *,
    out: IndicatorSet | None = None,
) -> IndicatorSet:
    """Compute every indicator of the standard set for all symbols of ``frame``.

    Values equal the single-indicator functions of this package. Pass a previous result
    of the same shape as ``out`` to reuse its buffer (its arrays are overwritten).
    Raise ValueError when ``out`` does not fit or the timeframe is unknown and
    ``params.annualization`` is None.
    """
    ann = params.annualization
    if ann is None:
        ann = periods_per_year(frame.timeframe)
    shape = (len(INDICATOR_NAMES), *frame.shape)
    if out is not None:
        if out.block.shape != shape:
            raise ValueError(f"out has shape {out.block.shape}, expected {shape}")
        block = out.block
    else:
        block = np.empty(shape, dtype=np.float64)
    o, h, lo, c = (_contiguous(a) for a in (frame.open, frame.high, frame.low, frame.close))
    v = _contiguous(frame.volume)
    packed = _packed(params)
    # the log ratios go chunk by chunk through one small buffer that stays in cache,
    # instead of a full-size array written to memory and read back
    chunk = max(_LOG_CHUNK_VALUES // max(c.shape[1], 1) // BLOCK, 1) * BLOCK
    buffer = np.empty(4 * min(chunk, c.shape[0]) * c.shape[1])
    for first in range(0, c.shape[0], chunk):
        stop = min(first + chunk, c.shape[0])
        # a C-contiguous view for the last, shorter chunk too (one compiled signature)
        part = buffer[: 4 * (stop - first) * c.shape[1]].reshape(4, stop - first, c.shape[1])
        rows = slice(first, stop)
        for k, (num, den) in enumerate(((h, lo), (h, c), (lo, c), (c, o))):
            log_ratio(num[rows], den[rows], part[k])
        kf.fused_2d(
            o, h, lo, c, v, part, packed, float(params.bb_nbdev), float(ann), block, first, stop
        )
    if (
        out is not None
        and out.params == params
        and out.symbols == frame.symbols
        and out.annualization == ann
    ):
        return out
    return IndicatorSet.from_block(params, frame.symbols, block, float(ann))
