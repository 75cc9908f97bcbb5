"""Whole X-ray (indicators + features + state + metrics + anomalies + detectors + scores)
against a Python loop calling TA-Lib per symbol for the indicator set alone.

Goal: the whole X-ray of 2000 symbols × 500 candles finishes faster than the TA-Lib loop
computes only the indicators. Run: ``python -m bench xray [--quick]``.

The X-ray runs with the configured ``analysis.workers`` threads (the kernels split the
symbols between them); the same pass on one thread is reported beside it. Every figure
is the median of several interleaved runs in one process, TA-Lib's loop included.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import talib

from simbiot.analysis.xray.engine import XRayEngine
from simbiot.analysis.xray.synthetic import random_market
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.frame import MarketFrame

# Every symbol analysed (no universe filtering) so both sides see the same rows.
ALL_IN = AnalysisSettings(
    liquidity_quantile=0.0,
    volatility_low_quantile=0.0,
    volatility_high_quantile=1.0,
    max_missing_share=1.0,
)


def talib_loop(frame: MarketFrame) -> int:
    """The fused set's indicators, one TA-Lib call each, symbol by symbol."""
    calls = 0
    for i in range(frame.shape[0]):
        o, h, lo, c, v = (
            np.ascontiguousarray(a[i])
            for a in (frame.open, frame.high, frame.low, frame.close, frame.volume)
        )
        talib.SMA(c, 50)
        talib.EMA(c, 12)
        talib.EMA(c, 26)
        talib.EMA(c, 50)
        talib.RSI(c, 14)
        talib.MACD(c, 12, 26, 9)
        talib.BBANDS(c, 20, 2.0, 2.0)
        talib.TRANGE(h, lo, c)
        talib.ATR(h, lo, c, 14)
        talib.NATR(h, lo, c, 14)
        talib.PLUS_DI(h, lo, c, 14)
        talib.MINUS_DI(h, lo, c, 14)
        talib.ADX(h, lo, c, 14)
        talib.OBV(c, v)
        talib.MFI(h, lo, c, v, 14)
        talib.STOCH(h, lo, c, 14, 3, 0, 3, 0)
        talib.CCI(h, lo, c, 20)
        talib.MAX(h, 20)
        talib.MIN(lo, 20)
        r = np.log(c[1:] / c[:-1])
        talib.STDDEV(c, 20)
        talib.STDDEV(r, 48)
        talib.SMA(v, 20)
        talib.STDDEV(v, 20)
        _ = o
        calls += 24
    return calls


def _median_time(fn: Any, repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _engine(frame: MarketFrame, *, features: bool, workers: int | None = None) -> XRayEngine:
    """An engine analysing every symbol of ``frame``, compiled and warmed by one run."""
    update: dict[str, Any] = {"window": frame.shape[1], "features_always": features}
    if workers is not None:
        update["workers"] = workers
    engine = XRayEngine(ALL_IN.model_copy(update=update))
    engine.run(frame)  # compile / warm caches outside the timings
    return engine


def _summary(
    engine: XRayEngine, frame: MarketFrame, runs: list[dict[str, float]]
) -> dict[str, Any]:
    stages = {k: round(statistics.median(r[k] for r in runs), 5) for k in runs[0]}
    # new allocations of one run; the reused per-thread buffers were allocated before
    tracemalloc.start()
    engine.run(frame)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "workers": engine.settings.workers,
        "total_s": stages["total"],
        "stages_s": stages,
        "peak_mib": round(peak / 2**20, 1),
        "kept_buffers_mib": round(_kept_mib(engine), 1),
    }


def _kept_mib(engine: XRayEngine) -> float:
    """Memory the engine keeps between runs on this thread (its reused buffers)."""
    ind = engine.scratch_indicators()
    feats = engine.scratch_features()
    total = (ind.block.nbytes if ind is not None else 0) + (
        feats.block.nbytes if feats is not None else 0
    )
    return total / 2**20


def _case(n_symbols: int, n_bars: int, repeats: int) -> dict[str, Any]:
    frame = random_market(n_symbols, n_bars, seed=7)
    engines = {
        "lean": _engine(frame, features=False),
        "full": _engine(frame, features=True),
        "one": _engine(frame, features=True, workers=1),
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in engines}
    talib_times = []
    # interleaved repeats: the load of a shared machine weighs on every contender alike
    for _ in range(repeats):
        for name, engine in engines.items():
            runs[name].append(dict(engine.run(frame).timings))
        started = time.perf_counter()
        talib_loop(frame)
        talib_times.append(time.perf_counter() - started)
    lean, full, one = (_summary(engines[n], frame, runs[n]) for n in ("lean", "full", "one"))
    talib_s = statistics.median(talib_times)
    return {
        "symbols": n_symbols,
        "bars": n_bars,
        "input_mib": round(5 * frame.close.nbytes / 2**20, 1),
        "talib_loop_indicators_s": round(talib_s, 5),
        # Rule-based detectors only: the indicator layers the X-ray reads, no feature set.
        "xray": lean,
        "ratio_talib_over_xray": round(talib_s / lean["total_s"], 2),
        "goal_met": lean["total_s"] < talib_s,
        # As with an ML detector: the indicator layers the features read, and the features.
        "xray_with_features": full,
        "ratio_talib_over_xray_with_features": round(talib_s / full["total_s"], 2),
        "goal_met_with_features": full["total_s"] < talib_s,
        "xray_with_features_1_thread": one,
        "ratio_talib_over_xray_with_features_1_thread": round(talib_s / one["total_s"], 2),
    }


REAL_1H = Path(__file__).resolve().parents[2] / "shared" / "data" / "ohlcv" / "binance" / "1h"


def real_frame(window: int = 500) -> MarketFrame | None:
    """The newest ``window`` hours of every real Binance 1h symbol, aligned (None if absent)."""
    files = sorted(REAL_1H.glob("*_USDT.parquet"))
    if not files:
        return None
    tables = [pd.read_parquet(f) for f in files]
    end = max(int(t["timestamp"].iloc[-1]) for t in tables)
    ts = end - 3_600_000 * np.arange(window - 1, -1, -1, dtype=np.int64)
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("open", "high", "low", "close", "volume")}
    for t in tables:
        aligned = t.set_index("timestamp").reindex(ts)
        for k in cols:
            cols[k].append(aligned[k].to_numpy(dtype=np.float64))
    symbols = tuple(f.stem.replace("_", "/") for f in files)
    arrays = {k: np.ascontiguousarray(np.vstack(v)) for k, v in cols.items()}
    return MarketFrame("binance", "1h", symbols, ts, **arrays)


def _real_case(repeats: int) -> dict[str, Any]:
    frame = real_frame()
    if frame is None:
        return {"skipped": f"no real data at {REAL_1H}"}
    engine = XRayEngine(AnalysisSettings())
    engine.run(frame)
    runs = [engine.run(frame) for _ in range(repeats)]
    snap = runs[-1]
    return {
        "symbols": frame.shape[0],
        "bars": frame.shape[1],
        "scored": snap.filtered,
        "regime": snap.market_state.regime.value,
        "total_s": round(statistics.median(r.timings["total"] for r in runs), 5),
        "talib_loop_indicators_s": round(_median_time(lambda: talib_loop(frame), repeats), 5),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Time the whole X-ray beside the TA-Lib loop on synthetic markets."""
    cases = [(400, 500, 3), (100, 2000, 3)] if quick else [(2000, 500, 9), (500, 5000, 5)]
    out: dict[str, Any] = {f"{s}x{t}": _case(s, t, r) for s, t, r in cases}
    out["real_binance_1h"] = _real_case(3)
    out["note"] = (
        "medians; ratio = TA-Lib loop (indicators only, 1 thread) / whole X-ray "
        "(analysis.workers threads, and 1 thread); same process"
    )
    return out


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
