"""Compute the standard indicator set of a market frame, or chosen layers of it, in one
compiled pass, optionally split by rows over worker threads."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from simbiot.analysis.indicators import _k_fused as kf
from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.analysis.indicators._k_streams import BLOCK
from simbiot.analysis.indicators._parallel import run_rows
from simbiot.analysis.indicators.indicator_set import (
    INDICATOR_NAMES,
    IndicatorParams,
    IndicatorSet,
)
from simbiot.analysis.indicators.layers import IndicatorLayers, layer_names
from simbiot.analysis.indicators.volatility import log_ratio, periods_per_year
from simbiot.domain.frame import MarketFrame

__all__ = ["compute_indicators", "compute_layers"]

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


def _slots(names: tuple[str, ...]) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    """Each standard layer's layer in a block holding ``names``, -1 when absent."""
    slot = np.full(len(INDICATOR_NAMES), -1, dtype=np.int64)
    for k, name in enumerate(names):
        slot[INDICATOR_NAMES.index(name)] = k
    return slot


def _annualization(frame: MarketFrame, params: IndicatorParams) -> float:
    ann = params.annualization
    return float(ann if ann is not None else periods_per_year(frame.timeframe))


def _fill(
    frame: MarketFrame,
    params: IndicatorParams,
    names: tuple[str, ...],
    block: FloatArray,
    ann: float,
    workers: int,
) -> None:
    """Write the layers ``names`` of ``frame`` into ``block``, rows split over ``workers``."""
    o, h, lo, c = (_contiguous(a) for a in (frame.open, frame.high, frame.low, frame.close))
    v = _contiguous(frame.volume)
    packed = _packed(params)
    slot = _slots(names)
    # only the range-based volatility estimators read logarithms of price ratios
    need_logs = slot[kf.L_PARKINSON] >= 0 or slot[kf.L_GK] >= 0
    n_t = max(c.shape[1], 1)
    nbdev = float(params.bb_nbdev)

    def rows(first: int, stop: int) -> None:
        if not need_logs:
            empty = np.empty((4, 0, c.shape[1]))
            kf.fused_2d(o, h, lo, c, v, empty, packed, slot, nbdev, ann, block, first, stop)
            return
        # the log ratios go chunk by chunk through one small buffer that stays in cache,
        # instead of a full-size array written to memory and read back
        chunk = max(_LOG_CHUNK_VALUES // n_t // BLOCK, 1) * BLOCK
        buffer = np.empty(4 * min(chunk, stop - first) * c.shape[1])
        for a in range(first, stop, chunk):
            b = min(a + chunk, stop)
            # a C-contiguous view for the last, shorter chunk too (one compiled signature)
            part = buffer[: 4 * (b - a) * c.shape[1]].reshape(4, b - a, c.shape[1])
            for k, (num, den) in enumerate(((h, lo), (h, c), (lo, c), (c, o))):
                log_ratio(num[a:b], den[a:b], part[k])
            kf.fused_2d(o, h, lo, c, v, part, packed, slot, nbdev, ann, block, a, b)

    run_rows(rows, c.shape[0], workers, BLOCK, row_values=c.shape[1])


def compute_layers(
    frame: MarketFrame,
    wanted: Iterable[str],
    params: IndicatorParams = _DEFAULT_PARAMS,
    *,
    out: IndicatorLayers | None = None,
    workers: int = 1,
) -> IndicatorLayers:
    """Compute only the layers ``wanted`` (with those computed alongside, see
    ``layer_names``) for all symbols of ``frame``, on ``workers`` threads.

    Values equal those of ``compute_indicators``. Pass a previous result with the same
    layers and shape as ``out`` to reuse its buffer (overwritten). Raise KeyError for a
    name outside the standard set, ValueError when ``out`` does not fit, ``workers`` < 1
    or the timeframe is unknown and ``params.annualization`` is None.
    """
    names = layer_names(wanted)
    ann = _annualization(frame, params)
    shape = (len(names), *frame.shape)
    if out is not None and (out.names != names or out.block.shape != shape):
        raise ValueError(f"out holds {out.names} {out.block.shape}, expected {names} {shape}")
    block = out.block if out is not None else np.empty(shape, dtype=np.float64)
    _fill(frame, params, names, block, ann, workers)
    if (
        out is not None
        and out.params == params
        and out.symbols == frame.symbols
        and out.annualization == ann
    ):
        return out
    return IndicatorLayers(params, frame.symbols, ann, names, block)


def compute_indicators(
    frame: MarketFrame,
    params: IndicatorParams = _DEFAULT_PARAMS,
    *,
    out: IndicatorSet | None = None,
    workers: int = 1,
) -> IndicatorSet:
    """Compute every indicator of the standard set for all symbols of ``frame``.

    Values equal the single-indicator functions of this package, on any number of
    ``workers`` threads. Pass a previous result of the same shape as ``out`` to reuse its
    buffer (its arrays are overwritten).
    Raise ValueError when ``out`` does not fit, ``workers`` < 1 or the timeframe is
    unknown and ``params.annualization`` is None.
    """
    ann = _annualization(frame, params)
    shape = (len(INDICATOR_NAMES), *frame.shape)
    if out is not None:
        if out.block.shape != shape:
            raise ValueError(f"out has shape {out.block.shape}, expected {shape}")
        block = out.block
    else:
        block = np.empty(shape, dtype=np.float64)
    _fill(frame, params, INDICATOR_NAMES, block, ann, workers)
    if (
        out is not None
        and out.params == params
        and out.symbols == frame.symbols
        and out.annualization == ann
    ):
        return out
    return IndicatorSet.from_block(params, frame.symbols, block, ann)
