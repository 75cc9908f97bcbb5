"""Compute the normalised, regime-aware feature set from a frame and its indicators."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from simbiot.analysis.features import _k_features as kf
from simbiot.analysis.features._k_percentile import rolling_percentile_2d
from simbiot.analysis.features.breadth import market_breadth
from simbiot.analysis.features.feature_set import FeatureParams, FeatureSet, feature_names
from simbiot.analysis.features.ratios import CLIP
from simbiot.analysis.features.relative import benchmark_returns
from simbiot.analysis.indicators import IndicatorLayers, IndicatorSet
from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.analysis.indicators._parallel import run_rows
from simbiot.domain.frame import MarketFrame

__all__ = ["FEATURE_INDICATORS", "compute_features", "rolling_percentile"]

_DEFAULT = FeatureParams()


def rolling_percentile(x: FloatArray, window: int, min_periods: int = 1) -> FloatArray:
    """Return each value's rank (0..1] among the finite values of its trailing window.

    NaN where the value is NaN or the window holds fewer than ``min_periods`` finite
    values; raise ValueError unless 1 <= min_periods <= window.
    """
    if not 1 <= min_periods <= window:
        raise ValueError(f"need 1 <= min_periods <= window, got {min_periods}, {window}")
    arr = np.ascontiguousarray(np.atleast_2d(np.asarray(x, dtype=np.float64)))
    out = np.empty_like(arr)
    _percentile_into(arr, int(window), int(min_periods), out)
    return out if np.ndim(x) == 2 else out[0]


def _percentile_into(x: FloatArray, window: int, min_periods: int, out: FloatArray) -> None:
    """Fill ``out`` with the rolling percentile of the rows of 2-D ``x``."""
    # NumPy's vectorised argsort leaves its fast path when a row holds NaN; where the
    # non-finite values sort does not matter (they are never counted)
    keys = np.where(np.isnan(x), np.inf, x)
    rolling_percentile_2d(x, np.argsort(keys, axis=1), window, min_periods, out)


_KERNEL_LAYERS: dict[int, str] = {
    kf.L_ATR: "atr",
    kf.L_CC_VOL: "cc_vol",
    kf.L_EMA_FAST: "ema_fast",
    kf.L_EMA_SLOW: "ema_slow",
    kf.L_EMA_TREND: "ema_trend",
    kf.L_SMA: "sma",
    kf.L_BB_UP: "bb_upper",
    kf.L_BB_LO: "bb_lower",
    kf.L_RSI: "rsi",
    kf.L_MACD_HIST: "macd_hist",
    kf.L_ADX: "adx",
    kf.L_PDI: "plus_di",
    kf.L_MDI: "minus_di",
    kf.L_NATR: "natr",
    kf.L_VOLZ: "volume_z",
}
# every indicator layer the feature set reads
FEATURE_INDICATORS: tuple[str, ...] = (*_KERNEL_LAYERS.values(), "log_return")


def _layers(ind: IndicatorSet | IndicatorLayers) -> npt.NDArray[np.int64]:
    """Block indices of the kernel's layers in ``ind``; raise KeyError when one is absent."""
    names = ind.names
    index = []
    for k in range(kf.N_LAYERS):
        name = _KERNEL_LAYERS[k]
        if name not in names:
            raise KeyError(f"the indicators lack {name!r}, which the features read")
        index.append(names.index(name))
    return np.array(index, dtype=np.int64)


def _returns_into(
    close: FloatArray, log_return: FloatArray, horizons: tuple[int, ...], rets: FloatArray
) -> None:
    """Log returns of every horizon into ``rets`` (horizons, rows, time); one bar is given.

    Longer horizons take NumPy's vectorised logarithm of the price ratios (within an ulp
    of ``log_returns``, several times faster than a scalar logarithm in a kernel).
    """
    for k, h in enumerate(horizons):
        if h == 1:  # the fused set computed it with the same kernel
            np.copyto(rets[k], log_return)
        else:
            kf.price_ratio_2d(close, h, rets[k])
            np.log(rets[k], out=rets[k])


def compute_features(
    frame: MarketFrame,
    ind: IndicatorSet | IndicatorLayers,
    reference: int | None,
    *,
    params: FeatureParams = _DEFAULT,
    out: FeatureSet | None = None,
    workers: int = 1,
) -> FeatureSet:
    """Return the feature set of ``frame``: every value at candle t uses data up to t only.

    ``ind`` must come from ``compute_indicators(frame, ...)`` or hold at least the layers
    ``FEATURE_INDICATORS`` (``compute_layers``); ``reference`` is the row of the benchmark
    symbol for relative strength (None, or where that row has no return: the
    cross-sectional median). Pass a previous result of the same shape as ``out`` to reuse
    its buffer (overwritten). Rows are split over ``workers`` threads; the values do not
    depend on their number.
    Raise ValueError when ``ind`` or ``out`` does not match the frame's shape or
    ``workers`` < 1, KeyError when ``ind`` lacks a layer, IndexError when ``reference`` is
    not a row of the frame.
    """
    if ind.shape != frame.shape:
        raise ValueError(f"indicators have shape {ind.shape}, frame has {frame.shape}")
    layers = _layers(ind)
    close = np.ascontiguousarray(frame.close, dtype=np.float64)
    volume = np.ascontiguousarray(frame.volume, dtype=np.float64)
    names = feature_names(params)
    horizons = np.asarray(params.horizons, dtype=np.int64)
    log_return, ema_trend, cc_vol = (ind.get(n) for n in ("log_return", "ema_trend", "cc_vol"))
    rets = np.empty((len(params.horizons), *close.shape))
    run_rows(
        lambda a, b: _returns_into(close[a:b], log_return[a:b], params.horizons, rets[:, a:b]),
        close.shape[0],
        workers,
        row_values=close.shape[1] * len(params.horizons),
    )
    bench = np.stack([benchmark_returns(r, reference) for r in rets])
    breadth = market_breadth(close, ema_trend, log_return, workers)
    shape = (len(names), *close.shape)
    if out is not None and out.block.shape != shape:
        raise ValueError(f"out has shape {out.block.shape}, expected {shape}")
    block = out.block if out is not None else np.empty(shape, dtype=np.float64)
    rank = block[names.index("vol_rank")]
    liquidity = block[names.index("liquidity")]
    inv_sqrt_ann = 1.0 / math.sqrt(ind.annualization)

    def rows(a: int, b: int) -> None:
        kf.features_2d(
            close,
            volume,
            ind.block,
            layers,
            rets,
            bench,
            horizons,
            inv_sqrt_ann,
            params.liquidity_window,
            breadth.above_ema,
            breadth.advancing,
            CLIP,
            block,
            a,
            b,
        )
        # NumPy's vectorised logarithm, several times faster than a scalar one in a kernel
        np.log1p(liquidity[a:b], out=liquidity[a:b])
        _percentile_into(
            cc_vol[a:b], params.vol_rank_window, params.vol_rank_min_periods, rank[a:b]
        )

    run_rows(rows, close.shape[0], workers, row_values=close.shape[1] * len(names))
    return FeatureSet(params, frame.symbols, names, block, breadth, reference)
