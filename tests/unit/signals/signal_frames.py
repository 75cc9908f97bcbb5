"""Hand-made market frames for signal tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simbiot.domain.frame import MarketFrame

HOUR_MS = 3_600_000


def make_frame(
    close: npt.ArrayLike,
    *,
    high: npt.ArrayLike | None = None,
    low: npt.ArrayLike | None = None,
    volume: npt.ArrayLike | None = None,
    symbols: tuple[str, ...] | None = None,
    spread: float = 0.002,
) -> MarketFrame:
    """Return a frame from close rows; high/low default to close ± spread, volume to 1000."""
    c = np.atleast_2d(np.asarray(close, dtype=np.float64))
    h = c * (1 + spread) if high is None else np.atleast_2d(np.asarray(high, dtype=np.float64))
    lo = c * (1 - spread) if low is None else np.atleast_2d(np.asarray(low, dtype=np.float64))
    v = (
        np.full_like(c, 1000.0)
        if volume is None
        else np.atleast_2d(np.asarray(volume, dtype=np.float64))
    )
    rows, cols = c.shape
    names = symbols if symbols is not None else tuple(f"S{i}/USDT" for i in range(rows))
    opens = np.concatenate([c[:, :1], c[:, :-1]], axis=1)
    return MarketFrame(
        "sim",
        "1h",
        names,
        np.arange(cols, dtype=np.int64) * HOUR_MS,
        np.ascontiguousarray(opens),
        np.ascontiguousarray(np.maximum(h, np.maximum(c, opens))),
        np.ascontiguousarray(np.minimum(lo, np.minimum(c, opens))),
        np.ascontiguousarray(c),
        np.ascontiguousarray(v),
    )


def random_frame(symbols: int, bars: int, seed: int = 7, vol: float = 0.02) -> MarketFrame:
    """Return a random-walk market of ``symbols`` × ``bars`` with lognormal volume."""
    rng = np.random.default_rng(seed)
    c = 100 * np.exp(np.cumsum(rng.normal(0, vol, (symbols, bars)), axis=1))
    v = rng.lognormal(6, 1, (symbols, bars))
    return make_frame(c, volume=v, spread=vol / 2)
