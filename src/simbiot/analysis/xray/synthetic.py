"""Synthetic market frames: seeded random markets for benchmarks, demos and tests."""

from __future__ import annotations

import numpy as np

from simbiot.analysis.xray.numeric import FloatArray
from simbiot.domain.frame import MarketFrame
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["frame_from_closes", "random_market"]

_START_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def frame_from_closes(
    closes: FloatArray,
    symbols: tuple[str, ...] | None = None,
    *,
    volume: FloatArray | None = None,
    wick: float = 0.002,
    exchange: str = "sim",
    timeframe: str = "1h",
) -> MarketFrame:
    """Build a frame whose candles open at the previous close and close at ``closes``.

    High and low extend ``wick`` (a fraction) beyond the body; NaN closes stay NaN candles.
    """
    arr = np.asarray(closes, dtype=np.float64)
    close = np.ascontiguousarray(arr[None, :] if arr.ndim == 1 else arr)
    s, t = close.shape
    open_ = np.empty_like(close)
    if t:
        open_[:, 0] = close[:, 0]
        open_[:, 1:] = close[:, :-1]
    open_ = np.where(np.isfinite(open_), open_, close)
    high = np.maximum(open_, close) * (1 + wick)
    low = np.minimum(open_, close) * (1 - wick)
    vol = np.full_like(close, 1_000.0) if volume is None else np.atleast_2d(volume).astype(float)
    vol = np.where(np.isfinite(close), vol, np.nan)
    names = symbols if symbols is not None else tuple(f"S{i:04d}/USDT" for i in range(s))
    step = timeframe_ms(timeframe)
    ts = _START_MS + step * np.arange(t, dtype=np.int64)
    return MarketFrame(
        exchange, timeframe, names, ts, open_, high, low, close, np.ascontiguousarray(vol)
    )


def random_market(
    n_symbols: int,
    n_bars: int,
    *,
    seed: int = 7,
    timeframe: str = "1h",
    late_listing_share: float = 0.05,
) -> MarketFrame:
    """Return a seeded random market: a common factor, per-symbol drift and volatility
    regimes, occasional jumps, some late listings, lognormal volumes; BTC/ETH/BNB first."""
    rng = np.random.default_rng(seed)
    sigma = rng.uniform(0.003, 0.03, size=(n_symbols, 1))
    factor = rng.normal(0.0, 0.004, size=(1, n_bars))
    beta = rng.uniform(0.3, 1.5, size=(n_symbols, 1))
    drift = rng.normal(0.0, 0.0005, size=(n_symbols, 1))
    r = drift + beta * factor + sigma * rng.standard_normal((n_symbols, n_bars))
    jumps = rng.random((n_symbols, n_bars)) < 0.002
    r += jumps * rng.normal(0.0, 0.08, size=(n_symbols, n_bars))
    base = np.exp(rng.uniform(-4, 10, size=(n_symbols, 1)))
    close = base * np.exp(np.cumsum(r, axis=1))
    body = np.abs(r) + sigma * 0.5
    high = close * (1 + body * rng.random((n_symbols, n_bars)))
    low = close * (1 - body * rng.random((n_symbols, n_bars)) * 0.9)
    open_ = np.concatenate([close[:, :1], close[:, :-1]], axis=1)
    high = np.maximum(high, np.maximum(open_, close))
    low = np.minimum(low, np.minimum(open_, close))
    volume = np.exp(
        rng.normal(8, 1.5, size=(n_symbols, 1)) + rng.normal(0, 0.5, (n_symbols, n_bars))
    )
    late = rng.random(n_symbols) < late_listing_share
    starts = np.where(
        late, rng.integers(n_bars // 4, max(n_bars // 4 + 1, n_bars - 60), n_symbols), 0
    )
    starts[:3] = 0
    missing = np.arange(n_bars)[None, :] < starts[:, None]
    for arr in (open_, high, low, close, volume):
        arr[missing] = np.nan
    symbols = (
        "BTC/USDT",
        "ETH/USDT",
        "BNB/USDT",
        *(f"T{i:05d}/USDT" for i in range(n_symbols - 3)),
    )
    step = timeframe_ms(timeframe)
    ts = _START_MS + step * np.arange(n_bars, dtype=np.int64)
    return MarketFrame(
        "sim",
        timeframe,
        symbols[:n_symbols],
        ts,
        np.ascontiguousarray(open_),
        np.ascontiguousarray(high),
        np.ascontiguousarray(low),
        np.ascontiguousarray(close),
        np.ascontiguousarray(volume),
    )
