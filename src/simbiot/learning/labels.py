"""Labels of (symbol, time) rows: forward log return and triple-barrier outcome.

A label at candle t reads candles t+1 .. t+horizon only; ``label_end`` says the last candle
it read, so a dataset can drop rows whose label is not known yet at a cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["Labels", "forward_return", "forward_volatility", "triple_barrier"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Labels:
    """Per (symbol, time) targets; NaN where the horizon runs past the data or prices miss."""

    forward_return: FloatArray  # log return over the horizon
    barrier: FloatArray  # 1 = upper barrier first, 0 = lower first or neither, NaN unknown
    horizon: int


def forward_return(close: FloatArray, horizon: int) -> FloatArray:
    """Return log(close[t + horizon] / close[t]); NaN for the last ``horizon`` candles."""
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    out = np.full(close.shape, np.nan)
    with np.errstate(all="ignore"):
        out[:, :-horizon] = np.log(close[:, horizon:] / close[:, :-horizon])
    out[~np.isfinite(out)] = np.nan
    return out


def forward_volatility(close: FloatArray, horizon: int) -> FloatArray:
    """Return the standard deviation of the 1-bar log returns of candles t+1 .. t+horizon.

    Per-bar units, like the trailing volatility the barriers use, so a model's forecast
    compares directly with the volatility known at t. NaN for the last ``horizon`` candles
    and where fewer than half the returns of the window are known.
    """
    if horizon < 2:
        raise ValueError(f"a volatility horizon needs >= 2 bars, got {horizon}")
    with np.errstate(all="ignore"):
        r = np.full(close.shape, np.nan)
        r[:, 1:] = np.log(close[:, 1:] / close[:, :-1])
    r[~np.isfinite(r)] = np.nan
    # Rolling std ending at t + horizon covers returns t+1 .. t+horizon (symbols as columns).
    rolled = pd.DataFrame(r.T).rolling(horizon, min_periods=max(2, horizon // 2)).std()
    trailing = rolled.to_numpy().T
    out = np.full(close.shape, np.nan)
    out[:, :-horizon] = trailing[:, horizon:]
    return out


def triple_barrier(
    close: FloatArray,
    high: FloatArray,
    low: FloatArray,
    vol: FloatArray,
    horizon: int,
    width: float,
) -> FloatArray:
    """Return 1 where the upper barrier is hit first within ``horizon`` candles, else 0.

    Barriers sit at close[t] × exp(±width × vol[t] × sqrt(horizon)) (``vol`` is the
    per-bar log-return volatility known at t). A candle touching both barriers counts as
    lower first (the cautious reading). Rows without a full horizon, or with no volatility
    at t, are NaN.
    """
    if horizon < 1 or width <= 0:
        raise ValueError("need horizon >= 1 and width > 0")
    n = close.shape[1]
    with np.errstate(all="ignore"):
        span = width * vol * np.sqrt(horizon)
        upper = close * np.exp(span)
        lower = close * np.exp(-span)
    out = np.zeros(close.shape)
    done = np.zeros(close.shape, dtype=bool)
    # One vectorised pass per step ahead: horizons are short (tens of bars), symbols many.
    for h in range(1, horizon + 1):
        hi = np.full(close.shape, np.nan)
        lo = np.full(close.shape, np.nan)
        hi[:, : n - h] = high[:, h:]
        lo[:, : n - h] = low[:, h:]
        down = ~done & (lo <= lower)
        up = ~done & ~down & (hi >= upper)
        out[up] = 1.0
        done |= up | down
    unknown = ~(np.isfinite(span) & (span > 0)) | ~np.isfinite(close)
    unknown[:, max(n - horizon, 0) :] = True
    out[unknown] = np.nan
    return out
