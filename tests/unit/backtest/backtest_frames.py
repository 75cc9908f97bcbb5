"""Random and hand-made candles for backtest tests."""

from __future__ import annotations

import numpy as np

from simbiot.domain.frame import MarketFrame


def random_ohlc(
    n_sym: int, n_t: int, seed: int, *, vol: float = 0.02, nan_head: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (open, high, low, close) random walks; ``nan_head`` lists some symbols late."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, vol, (n_sym, n_t)), axis=1))
    open_ = np.empty_like(close)
    open_[:, 0] = 100.0
    open_[:, 1:] = close[:, :-1] * np.exp(rng.normal(0, vol / 4, (n_sym, n_t - 1)))
    span = np.abs(rng.normal(0, vol, (n_sym, n_t))) * close
    high = np.maximum(open_, close) + span
    low = np.maximum(np.minimum(open_, close) - span, 1e-6)
    if nan_head:
        for r in range(n_sym):
            k = int(rng.integers(0, n_t // 3)) if r % 2 else 0
            for a in (open_, high, low, close):
                a[r, :k] = np.nan
    return open_, high, low, close


def make_market(
    n_sym: int, n_t: int, seed: int, *, timeframe: str = "1h", nan_head: bool = False
) -> MarketFrame:
    """Return a MarketFrame of random candles starting 2024-01-01."""
    o, h, lo, c = random_ohlc(n_sym, n_t, seed, nan_head=nan_head)
    step = {"1h": 3_600_000, "5m": 300_000, "1d": 86_400_000}[timeframe]
    ts = 1_704_067_200_000 + step * np.arange(n_t, dtype=np.int64)
    vol = np.where(np.isnan(c), np.nan, 1000.0)
    syms = tuple(f"S{i}/USDT" for i in range(n_sym))
    return MarketFrame("test", timeframe, syms, ts, o, h, lo, c, vol)
