"""Synthetic market frames for the feature tests."""

from __future__ import annotations

import numpy as np

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
