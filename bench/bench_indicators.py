"""Indicators and features over many symbols: the fused numba set against a TA-Lib loop.

Same process, same data, interleaved repeats; medians in milliseconds. Figures:
- ``fused``: ``compute_indicators`` (33 arrays) with its buffer reused, and cold (fresh
  buffer), beside ``talib_loop``: a Python loop over symbols making the 21 TA-Lib calls
  (26 arrays) that cover the TA-Lib-expressible part of the same set, storing each result
  in a preallocated block (our set also holds VWAP, four volatility estimators and the
  volume z-score, which that loop does not compute).
- ``core9``: the PERFORMANCE.md set (EMA12/26, RSI14, MACD, BB20/2, ATR14, ADX14, OBV,
  STDDEV20) as nine 2-D calls of our functions (fresh outputs) beside the same nine
  TA-Lib calls per symbol, stored.
- ``features``: ``compute_features`` on top of the fused set; beside it two of its parts
  alone: ``features_vol_rank`` (the rolling percentile of the close-to-close volatility
  over its trailing 500 candles, sort-bound) and ``features_breadth`` (market breadth).
- peak traced memory (tracemalloc) of one fused call and of one TA-Lib loop; numba's own
  scratch rows live outside the Python allocator and are a few rows per call.
Datasets: synthetic 2000 × 500 and 500 × 1000 random walks, and every real binance 1h
symbol (later listings NaN-padded) when ``../shared/data`` is present.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import talib

import simbiot.analysis.indicators as ind
from simbiot.analysis.features import compute_features, rolling_percentile
from simbiot.analysis.features.breadth import market_breadth
from simbiot.domain.frame import MarketFrame

TALIB_OUTPUTS = 26
CORE9_OUTPUTS = 13
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ohlcv" / "binance" / "1h"


def synthetic_frame(symbols: int, candles: int, seed: int = 0) -> MarketFrame:
    """Log-normal random walks with consistent OHLC and log-normal volume."""
    rng = np.random.default_rng(seed)
    shape = (symbols, candles)
    c = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, shape), axis=1))
    o = np.concatenate([np.full((symbols, 1), 100.0), c[:, :-1]], axis=1)
    h = np.maximum(o, c) * np.exp(rng.uniform(0.0, 0.01, shape))
    lo = np.minimum(o, c) * np.exp(-rng.uniform(0.0, 0.01, shape))
    v = rng.lognormal(5.0, 1.0, shape)
    names = tuple(f"S{i}/USDT" for i in range(symbols))
    return MarketFrame("sim", "1h", names, np.arange(candles, dtype=np.int64), o, h, lo, c, v)


def real_frame(directory: Path) -> MarketFrame:
    """Every Parquet file of ``directory`` on the union time axis, NaN where a symbol has none."""
    tables = [pq.read_table(f).to_pydict() for f in sorted(directory.glob("*.parquet"))]
    stamps = np.unique(np.concatenate([np.asarray(t["timestamp"], dtype=np.int64) for t in tables]))
    cols = {
        k: np.full((len(tables), len(stamps)), np.nan)
        for k in ("open", "high", "low", "close", "volume")
    }
    for i, t in enumerate(tables):
        pos = np.searchsorted(stamps, np.asarray(t["timestamp"], dtype=np.int64))
        for k, arr in cols.items():
            arr[i, pos] = np.asarray(t[k], dtype=np.float64)
    names = tuple(f.stem for f in sorted(directory.glob("*.parquet")))
    return MarketFrame("binance", "1h", names, stamps, **cols)


def talib_loop(f: MarketFrame, out: np.ndarray) -> None:
    """The TA-Lib-expressible part of the standard set, one symbol at a time, kept in ``out``.

    Results are stored, as an analysis that uses them must: discarding them would let the
    loop recycle one cache-hot buffer while the fused set writes every result to memory.
    """
    for i in range(f.shape[0]):
        # TA-Lib skips leading NaN itself; a per-symbol loop is what a TA-Lib user writes
        h, lo, c, v = f.high[i], f.low[i], f.close[i], f.volume[i]
        results = (
            talib.SMA(c, 50),
            talib.EMA(c, 12),
            talib.EMA(c, 26),
            talib.EMA(c, 50),
            talib.RSI(c, 14),
            *talib.MACD(c, 12, 26, 9),
            *talib.BBANDS(c, 20, 2.0, 2.0, 0),
            talib.TRANGE(h, lo, c),
            talib.ATR(h, lo, c, 14),
            talib.NATR(h, lo, c, 14),
            talib.PLUS_DI(h, lo, c, 14),
            talib.MINUS_DI(h, lo, c, 14),
            talib.ADX(h, lo, c, 14),
            talib.OBV(c, v),
            talib.MFI(h, lo, c, v, 14),
            *talib.STOCH(h, lo, c, 14, 3, 0, 3, 0),
            talib.CCI(h, lo, c, 20),
            talib.MAX(h, 20),
            talib.MIN(lo, 20),
            talib.ROCR(c, 1),
            talib.STDDEV(c, 20, 1.0),
        )
        for k, arr in enumerate(results):
            out[k, i] = arr


def talib_core9(f: MarketFrame, out: np.ndarray) -> None:
    """PERFORMANCE.md's nine-indicator set, one symbol at a time, kept in ``out``."""
    for i in range(f.shape[0]):
        h, lo, c, v = f.high[i], f.low[i], f.close[i], f.volume[i]
        results = (
            talib.EMA(c, 12),
            talib.EMA(c, 26),
            talib.RSI(c, 14),
            *talib.MACD(c, 12, 26, 9),
            *talib.BBANDS(c, 20, 2.0, 2.0, 0),
            talib.ATR(h, lo, c, 14),
            talib.ADX(h, lo, c, 14),
            talib.OBV(c, v),
            talib.STDDEV(c, 20, 1.0),
        )
        for k, arr in enumerate(results):
            out[k, i] = arr


def ours_core9(f: MarketFrame) -> None:
    """The same nine indicators as 2-D calls of our functions."""
    h, lo, c, v = f.high, f.low, f.close, f.volume
    ind.ema(c, 12)
    ind.ema(c, 26)
    ind.rsi(c, 14)
    ind.macd(c, 12, 26, 9)
    ind.bbands(c, 20, 2.0)
    ind.atr(h, lo, c, 14)
    ind.adx(h, lo, c, 14)
    ind.obv(c, v)
    ind.rolling_std(c, 20)


def _median_ms(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Run every function ``repeats`` times, interleaved; return median milliseconds."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) * 1000.0)
    return {k: round(statistics.median(v), 2) for k, v in times.items()}


def _peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 2**20, 1)


def _max_rel_diff(f: MarketFrame, got: ind.IndicatorSet) -> float:
    """Largest relative difference to TA-Lib of RSI, ADX and MACD over a few rows."""
    worst = 0.0
    for i in range(min(f.shape[0], 20)):
        pairs = (
            (got.rsi[i], talib.RSI(f.close[i], 14)),
            (got.adx[i], talib.ADX(f.high[i], f.low[i], f.close[i], 14)),
            (got.macd[i], talib.MACD(f.close[i], 12, 26, 9)[0]),
        )
        for ours, ref in pairs:
            ok = np.isfinite(ref)
            if ok.any():
                scale = np.abs(ref[ok]).max()
                worst = max(worst, float(np.max(np.abs(ours[ok] - ref[ok]) / max(scale, 1e-300))))
    return worst


def bench_frame(f: MarketFrame, repeats: int) -> dict[str, Any]:
    """All figures for one frame."""
    warm = ind.compute_indicators(f)
    feats = compute_features(f, warm, 0)
    ours_core9(f)
    talib_block = np.empty((TALIB_OUTPUTS, *f.shape))
    core9_block = np.empty((CORE9_OUTPUTS, *f.shape))
    params = feats.params
    cc_vol, ema_trend, log_return = (warm.get(n) for n in ("cc_vol", "ema_trend", "log_return"))
    medians = _median_ms(
        {
            "fused": lambda: ind.compute_indicators(f, out=warm),
            "fused_cold": lambda: ind.compute_indicators(f),
            "talib_loop": lambda: talib_loop(f, talib_block),
            "ours_core9": lambda: ours_core9(f),
            "talib_core9": lambda: talib_core9(f, core9_block),
            "features": lambda: compute_features(f, warm, 0, out=feats),
            "features_vol_rank": lambda: rolling_percentile(
                cc_vol, params.vol_rank_window, params.vol_rank_min_periods
            ),
            "features_breadth": lambda: market_breadth(f.close, ema_trend, log_return),
        },
        repeats,
    )
    return {
        "shape": list(f.shape),
        "candles": int(np.isfinite(f.close).sum()),
        "median_ms": medians,
        "ratio_talib_loop_over_fused": round(medians["talib_loop"] / medians["fused"], 2),
        "ratio_talib_loop_over_fused_cold": round(medians["talib_loop"] / medians["fused_cold"], 2),
        "ratio_talib_core9_over_ours_core9": round(
            medians["talib_core9"] / medians["ours_core9"], 2
        ),
        "fused_candles_per_s": round(f.shape[0] * f.shape[1] / (medians["fused"] / 1000.0)),
        "peak_mib": {
            "fused_cold": _peak_mib(lambda: ind.compute_indicators(f)),
            "talib_loop": _peak_mib(lambda: talib_loop(f, np.empty((TALIB_OUTPUTS, *f.shape)))),
            "features": _peak_mib(lambda: compute_features(f, warm, 0)),
        },
        "max_rel_diff_vs_talib": _max_rel_diff(f, warm),
    }


def run(quick: bool) -> dict[str, Any]:
    """Benchmark synthetic and real frames; ``quick`` takes fewer repeats."""
    repeats = 3 if quick else 7
    started = time.perf_counter()
    ind.compute_indicators(synthetic_frame(2, 60))  # load or compile the kernels once
    result: dict[str, Any] = {"warmup_s": round(time.perf_counter() - started, 2)}
    result["synthetic_2000x500"] = bench_frame(synthetic_frame(2000, 500), repeats)
    result["synthetic_500x1000"] = bench_frame(synthetic_frame(500, 1000, seed=1), repeats)
    if DATA.is_dir():
        result["binance_1h_all"] = bench_frame(real_frame(DATA), repeats)
    else:
        result["binance_1h_all"] = {"skipped": f"no data at {DATA}"}
    return result
