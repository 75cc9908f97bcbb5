"""Synthetic market frames for the feature tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from simbiot.domain.frame import MarketFrame


def make_frame(rows: int = 6, n: int = 400, seed: int = 0, scale: float = 100.0) -> MarketFrame:
    """Random-walk candles; row 2 lists late, row 3 has a gap, row 4 trades in a flat range."""
    rng = np.random.default_rng(seed)
    c = scale * np.exp(np.cumsum(rng.normal(0.0, 0.01, (rows, n)), axis=1))
    o = np.concatenate([np.full((rows, 1), scale), c[:, :-1]], axis=1)
    h = np.maximum(o, c) * np.exp(rng.uniform(0.0, 0.01, (rows, n)))
    lo = np.minimum(o, c) * np.exp(-rng.uniform(0.0, 0.01, (rows, n)))
    v = rng.lognormal(5.0, 1.0, (rows, n))
    for arr in (o, h, lo, c, v):
        arr[2, :120] = np.nan
        arr[3, 250:253] = np.nan
    for arr in (o, h, lo, c):
        arr[4, 300:] = scale
    symbols = tuple(f"S{i}/USDT" for i in range(rows))
    stamps = np.arange(n, dtype=np.int64) * 3_600_000
    return MarketFrame("sim", "1h", symbols, stamps, o, h, lo, c, v)


def load_binance(root: Path, timeframe: str) -> MarketFrame:
    """Every real binance file of ``timeframe`` on the union time axis (NaN where absent)."""
    files = sorted((root / "ohlcv" / "binance" / timeframe).glob("*.parquet"))
    tables = [pq.read_table(f).to_pydict() for f in files]
    stamps = np.unique(np.concatenate([np.asarray(t["timestamp"], dtype=np.int64) for t in tables]))
    cols = {
        k: np.full((len(files), len(stamps)), np.nan)
        for k in ("open", "high", "low", "close", "volume")
    }
    for i, t in enumerate(tables):
        pos = np.searchsorted(stamps, np.asarray(t["timestamp"], dtype=np.int64))
        for k, arr in cols.items():
            arr[i, pos] = np.asarray(t[k], dtype=np.float64)
    return MarketFrame("binance", timeframe, tuple(f.stem for f in files), stamps, **cols)
