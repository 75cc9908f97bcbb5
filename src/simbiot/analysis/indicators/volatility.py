"""Range and dispersion: true range, ATR/NATR, Bollinger bands, rolling deviation, volatility.

The four volatility estimators take ``annualization``: the number of bars in a year (8,760
for 1h candles, see :func:`periods_per_year`), multiplied into the per-bar variance; 1.0
gives per-bar volatility. Candles with a non-positive price count as gaps for them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators import _k_averages as ka
from simbiot.analysis.indicators import _k_range as kr
from simbiot.analysis.indicators import _k_volume as kv
from simbiot.analysis.indicators._inputs import FloatArray, as_rows, check_period, restore
from simbiot.domain.timeframes import timeframe_ms

__all__ = [
    "atr",
    "bbands",
    "close_to_close_vol",
    "garman_klass_vol",
    "natr",
    "parkinson_vol",
    "periods_per_year",
    "rogers_satchell_vol",
    "rolling_std",
    "trange",
]

_YEAR_MS = 365 * 86_400_000


def periods_per_year(timeframe: str) -> float:
    """Return how many candles of ``timeframe`` fit in a 365-day year (crypto trades 24/7)."""
    return _YEAR_MS / timeframe_ms(timeframe)


def _range(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int, which: int
) -> FloatArray:
    """One of true range (0), ATR (1), NATR (2) from the shared range kernel."""
    (h, lo, c), one_d = as_rows(high, low, close)
    out = np.empty_like(c)
    want = np.zeros(3, dtype=np.bool_)
    want[which] = True
    spare = np.empty((1, 1))  # never written: its flag is off
    outs = [spare, spare, spare]
    outs[which] = out
    kr.range_2d(h, lo, c, period, outs[0], outs[1], outs[2], want)
    return restore(out, one_d)


def trange(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> FloatArray:
    """Return the true range (TA-Lib TRANGE, first value at bar 1)."""
    return _range(high, low, close, 1, 0)


def atr(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Return Wilder's average true range (TA-Lib ATR)."""
    return _range(high, low, close, check_period("period", period, minimum=1), 1)


def natr(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Return ATR as a percentage of the close (TA-Lib NATR; 0 where the close is 0)."""
    return _range(high, low, close, check_period("period", period, minimum=1), 2)


def rolling_std(x: npt.ArrayLike, period: int) -> FloatArray:
    """Return the rolling population standard deviation (TA-Lib STDDEV with nbdev 1)."""
    period = check_period("period", period)
    (arr,), one_d = as_rows(x)
    out = np.empty_like(arr)
    ka.std_2d(arr, period, out)
    return restore(out, one_d)


def bbands(
    close: npt.ArrayLike, period: int = 20, nbdev: float = 2.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return (upper, middle, lower) Bollinger bands: SMA ± nbdev population deviations."""
    period = check_period("period", period)
    if not np.isfinite(nbdev) or nbdev < 0:
        raise ValueError(f"nbdev must be a finite number >= 0, got {nbdev!r}")
    (arr,), one_d = as_rows(close)
    up, mid, lo = np.empty_like(arr), np.empty_like(arr), np.empty_like(arr)
    ka.bbands_2d(arr, period, float(nbdev), up, mid, lo)
    return restore(up, one_d), restore(mid, one_d), restore(lo, one_d)


def _check_ann(annualization: float) -> float:
    if not np.isfinite(annualization) or annualization <= 0:
        raise ValueError(f"annualization must be a finite number > 0, got {annualization!r}")
    return float(annualization)


def log_ratio(num: FloatArray, den: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """Return ln(num / den) element-wise; NaN or ±inf where a price is missing or not positive.

    numpy's vectorised logarithm runs several times faster than a scalar one in a kernel,
    and the kernels never read the positions this leaves non-finite (they are gaps).
    With ``out`` (same shape, float64) the result is written there and no array is allocated.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio: FloatArray = np.divide(num, den, out=out)
        return np.log(ratio, out=ratio)


def _vol(
    o: npt.ArrayLike,
    h: npt.ArrayLike,
    lo: npt.ArrayLike,
    c: npt.ArrayLike,
    period: int,
    kind: int,
    annualization: float,
) -> FloatArray:
    period = check_period("period", period)
    ann = _check_ann(annualization)
    (oa, ha, la, ca), one_d = as_rows(o, h, lo, c)
    if kind == kv.PARKINSON:
        logs = log_ratio(ha, la)[np.newaxis]
    elif kind == kv.CLOSE_TO_CLOSE:
        logs = np.empty((1, 1, 1))
    else:
        logs = np.empty((3, *ca.shape))
        for k, (num, den) in enumerate(((ha, ca), (la, ca), (ca, oa))):
            log_ratio(num, den, logs[k])
    out = np.empty_like(ca)
    kv.vol_2d(oa, ha, la, ca, logs, period, kind, ann, out)
    return restore(out, one_d)


def close_to_close_vol(
    close: npt.ArrayLike, period: int = 20, annualization: float = 1.0
) -> FloatArray:
    """Return the population deviation of the last ``period`` log returns, annualised."""
    return _vol(close, close, close, close, period, kv.CLOSE_TO_CLOSE, annualization)


def parkinson_vol(
    high: npt.ArrayLike, low: npt.ArrayLike, period: int = 20, annualization: float = 1.0
) -> FloatArray:
    """Return Parkinson's high-low volatility: sqrt(mean(ln(H/L)²) / (4 ln 2)), annualised."""
    return _vol(high, high, low, low, period, kv.PARKINSON, annualization)


def garman_klass_vol(
    open_: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    period: int = 20,
    annualization: float = 1.0,
) -> FloatArray:
    """Return Garman-Klass volatility: mean(½ln(H/L)² - (2ln2-1)ln(C/O)²), floored at 0."""
    return _vol(open_, high, low, close, period, kv.GARMAN_KLASS, annualization)


def rogers_satchell_vol(
    open_: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    period: int = 20,
    annualization: float = 1.0,
) -> FloatArray:
    """Return Rogers-Satchell volatility: mean(ln(H/C)ln(H/O) + ln(L/C)ln(L/O)), drift-free."""
    return _vol(open_, high, low, close, period, kv.ROGERS_SATCHELL, annualization)
