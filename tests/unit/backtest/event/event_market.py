"""Random candles and trade comparison for the event-driven engine's tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simbiot.backtest.trades import Trade
from simbiot.domain.frame import MarketFrame


def market(n_sym: int, n_t: int, seed: int, *, nan_head: bool = False) -> MarketFrame:
    """Return a 1h MarketFrame of random walks; ``nan_head`` lists odd rows late."""
    rng = np.random.default_rng(seed)
    vol = 0.02
    close = 100 * np.exp(np.cumsum(rng.normal(0, vol, (n_sym, n_t)), axis=1))
    open_ = np.empty_like(close)
    open_[:, 0] = 100.0
    open_[:, 1:] = close[:, :-1] * np.exp(rng.normal(0, vol / 4, (n_sym, n_t - 1)))
    span = np.abs(rng.normal(0, vol, (n_sym, n_t))) * close
    high = np.maximum(open_, close) + span
    low = np.maximum(np.minimum(open_, close) - span, 1e-6)
    if nan_head:
        for r in range(1, n_sym, 2):
            k = int(rng.integers(1, n_t // 3))
            for a in (open_, high, low, close):
                a[r, :k] = np.nan
    volume = np.where(np.isnan(close), np.nan, 1000.0 * rng.lognormal(0.0, 0.8, (n_sym, n_t)))
    ts = 1_704_067_200_000 + 3_600_000 * np.arange(n_t, dtype=np.int64)
    syms = tuple(f"S{i}/USDT" for i in range(n_sym))
    return MarketFrame("test", "1h", syms, ts, open_, high, low, close, volume)


def assert_same_trades(got: Sequence[Trade], want: Sequence[Trade], tol: float = 1e-9) -> None:
    """Assert two trade lists agree: symbol, times, reason exactly; numbers within ``tol``."""
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert (a.symbol, a.side, a.entry_time, a.exit_time, a.reason, a.signal_time) == (
            b.symbol, b.side, b.entry_time, b.exit_time, b.reason, b.signal_time,
        )  # fmt: skip
        for f in ("entry_price", "exit_price", "amount", "fee", "pnl"):
            x, y = getattr(a, f), getattr(b, f)
            assert abs(x - y) <= tol * max(1.0, abs(y)), (f, a, b)
