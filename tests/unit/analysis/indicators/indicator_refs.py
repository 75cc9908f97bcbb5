"""Reference machinery shared by the indicator tests: TA-Lib cases, synthetic and real candles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq
import talib

import simbiot.analysis.indicators as ind
from simbiot.domain.frame import MarketFrame

Arr = npt.NDArray[np.float64]
RTOL = 1e-9


@dataclass(frozen=True)
class Ohlcv:
    """Candles as 1-D or 2-D arrays."""

    o: Arr
    h: Arr
    l: Arr  # noqa: E741
    c: Arr
    v: Arr

    def rows(self, s: slice) -> Ohlcv:
        """Return the candles at time positions ``s`` (last axis)."""
        return Ohlcv(self.o[..., s], self.h[..., s], self.l[..., s], self.c[..., s], self.v[..., s])

    def row(self, i: int) -> Ohlcv:
        """Return row ``i`` of 2-D candles as 1-D candles."""
        return Ohlcv(self.o[i], self.h[i], self.l[i], self.c[i], self.v[i])


Fn = Callable[[Ohlcv], tuple[Arr, ...]]


def _t(x: Arr | tuple[Arr, ...] | list[Arr]) -> tuple[Arr, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _log_rocr(c: Arr, n: int) -> Arr:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(talib.ROCR(c, n))


# name -> (ours, TA-Lib reference, which inputs define validity)
TALIB_CASES: dict[str, tuple[Fn, Fn, str]] = {
    "sma": (lambda d: _t(ind.sma(d.c, 20)), lambda d: _t(talib.SMA(d.c, 20)), "c"),
    "sma2": (lambda d: _t(ind.sma(d.c, 2)), lambda d: _t(talib.SMA(d.c, 2)), "c"),
    "ema": (lambda d: _t(ind.ema(d.c, 12)), lambda d: _t(talib.EMA(d.c, 12)), "c"),
    "ema50": (lambda d: _t(ind.ema(d.c, 50)), lambda d: _t(talib.EMA(d.c, 50)), "c"),
    "macd": (lambda d: _t(ind.macd(d.c)), lambda d: _t(talib.MACD(d.c, 12, 26, 9)), "c"),
    "macd_swapped": (
        lambda d: _t(ind.macd(d.c, 20, 5, 4)),
        lambda d: _t(talib.MACD(d.c, 20, 5, 4)),
        "c",
    ),
    "rsi": (lambda d: _t(ind.rsi(d.c)), lambda d: _t(talib.RSI(d.c, 14)), "c"),
    "rsi2": (lambda d: _t(ind.rsi(d.c, 2)), lambda d: _t(talib.RSI(d.c, 2)), "c"),
    "bbands": (
        lambda d: _t(ind.bbands(d.c, 20, 2.0)),
        lambda d: _t(talib.BBANDS(d.c, 20, 2.0, 2.0, 0)),
        "c",
    ),
    "rolling_std": (
        lambda d: _t(ind.rolling_std(d.c, 20)),
        lambda d: _t(talib.STDDEV(d.c, 20, 1.0)),
        "c",
    ),
    "trange": (
        lambda d: _t(ind.trange(d.h, d.l, d.c)),
        lambda d: _t(talib.TRANGE(d.h, d.l, d.c)),
        "hlc",
    ),
    "atr": (
        lambda d: _t(ind.atr(d.h, d.l, d.c)),
        lambda d: _t(talib.ATR(d.h, d.l, d.c, 14)),
        "hlc",
    ),
    "atr1": (
        lambda d: _t(ind.atr(d.h, d.l, d.c, 1)),
        lambda d: _t(talib.ATR(d.h, d.l, d.c, 1)),
        "hlc",
    ),
    "natr": (
        lambda d: _t(ind.natr(d.h, d.l, d.c)),
        lambda d: _t(talib.NATR(d.h, d.l, d.c, 14)),
        "hlc",
    ),
    "adx": (
        lambda d: _t(ind.adx(d.h, d.l, d.c)),
        lambda d: _t(talib.ADX(d.h, d.l, d.c, 14)),
        "hlc",
    ),
    "plus_di": (
        lambda d: _t(ind.plus_di(d.h, d.l, d.c)),
        lambda d: _t(talib.PLUS_DI(d.h, d.l, d.c, 14)),
        "hlc",
    ),
    "minus_di": (
        lambda d: _t(ind.minus_di(d.h, d.l, d.c)),
        lambda d: _t(talib.MINUS_DI(d.h, d.l, d.c, 14)),
        "hlc",
    ),
    "obv": (lambda d: _t(ind.obv(d.c, d.v)), lambda d: _t(talib.OBV(d.c, d.v)), "cv"),
    "mfi": (
        lambda d: _t(ind.mfi(d.h, d.l, d.c, d.v)),
        lambda d: _t(talib.MFI(d.h, d.l, d.c, d.v, 14)),
        "hlcv",
    ),
    "stoch": (
        lambda d: _t(ind.stoch(d.h, d.l, d.c, 14, 3, 3)),
        lambda d: _t(talib.STOCH(d.h, d.l, d.c, 14, 3, 0, 3, 0)),
        "hlc",
    ),
    "stoch_5_1_1": (
        lambda d: _t(ind.stoch(d.h, d.l, d.c, 5, 1, 1)),
        lambda d: _t(talib.STOCH(d.h, d.l, d.c, 5, 1, 0, 1, 0)),
        "hlc",
    ),
    "cci": (
        lambda d: _t(ind.cci(d.h, d.l, d.c, 20)),
        lambda d: _t(talib.CCI(d.h, d.l, d.c, 20)),
        "hlc",
    ),
    "donchian": (
        lambda d: _t(ind.donchian(d.h, d.l, 20)[:2]),
        lambda d: (talib.MAX(d.h, 20), talib.MIN(d.l, 20)),
        "hl",
    ),
    "pct_change": (lambda d: _t(ind.pct_change(d.c, 1)), lambda d: _t(talib.ROCP(d.c, 1)), "c"),
    "pct_change5": (lambda d: _t(ind.pct_change(d.c, 5)), lambda d: _t(talib.ROCP(d.c, 5)), "c"),
    "log_returns": (lambda d: _t(ind.log_returns(d.c, 3)), lambda d: (_log_rocr(d.c, 3),), "c"),
}


def valid_mask(d: Ohlcv, inputs: str) -> npt.NDArray[np.bool_]:
    """Candles where all the named inputs are finite (and positive with a trailing "+")."""
    m = np.ones(d.c.shape, dtype=bool)
    positive = inputs.endswith("+")
    for key in inputs.rstrip("+"):
        arr = getattr(d, key)
        m &= np.isfinite(arr)
        if positive:
            with np.errstate(invalid="ignore"):
                m &= arr > 0
    return m


def segments(valid: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Maximal runs of True in a 1-D mask as (start, end)."""
    runs: list[tuple[int, int]] = []
    t, n = 0, len(valid)
    while t < n:
        if valid[t]:
            s = t
            while t < n and valid[t]:
                t += 1
            runs.append((s, t))
        else:
            t += 1
    return runs


def reference_by_segment(ref: Fn, d: Ohlcv, inputs: str) -> tuple[Arr, ...]:
    """Apply a 1-D reference to every valid run alone, NaN elsewhere (the documented gap rule)."""
    n = d.c.shape[-1]
    outs: list[Arr] | None = None
    for s, e in segments(valid_mask(d, inputs)):
        part = ref(d.rows(slice(s, e)))
        if outs is None:
            outs = [np.full(n, np.nan) for _ in part]
        for o, p in zip(outs, part, strict=True):
            o[s:e] = p
    if outs is None:
        outs = [np.full(n, np.nan) for _ in ref(d.rows(slice(0, min(n, 60))))]
    return tuple(outs)


def assert_close(ours: Arr, ref: Arr, what: str = "") -> None:
    """NaN exactly where the reference has NaN; values within RTOL of the row's scale."""
    ours = np.asarray(ours)
    ref = np.asarray(ref)
    assert ours.shape == ref.shape, what
    assert ours.dtype == np.float64, what
    nan_ours, nan_ref = np.isnan(ours), np.isnan(ref)
    if not np.array_equal(nan_ours, nan_ref):
        bad = np.argwhere(nan_ours != nan_ref)[:5].tolist()
        raise AssertionError(f"{what}: NaN positions differ at {bad}")
    assert not np.isinf(ours).any(), f"{what}: inf in output"
    if nan_ref.all():
        return
    scale = np.nanmax(np.abs(ref), axis=-1, keepdims=True)
    diff = np.abs(np.where(nan_ref, 0.0, ours - ref))
    allowed = RTOL * np.abs(np.where(nan_ref, 0.0, ref)) + RTOL * np.where(
        np.isfinite(scale), scale, 0.0
    )
    worst = np.unravel_index(np.argmax(diff - allowed), diff.shape)
    assert (diff <= allowed).all(), f"{what}: at {worst} ours={ours[worst]!r} ref={ref[worst]!r}"


def random_candles(
    rng: np.random.Generator, n: int, rows: int = 1, scale: float = 100.0, sigma: float = 0.01
) -> Ohlcv:
    """Log-normal random-walk candles with consistent high/low, shaped (rows, n)."""
    steps = rng.normal(0.0, sigma, (rows, n))
    c = scale * np.exp(np.cumsum(steps, axis=1))
    o = np.concatenate([np.full((rows, 1), scale), c[:, :-1]], axis=1) * np.exp(
        rng.normal(0.0, sigma / 4, (rows, n))
    )
    h = np.maximum(o, c) * np.exp(rng.uniform(0.0, sigma, (rows, n)))
    lo = np.minimum(o, c) * np.exp(-rng.uniform(0.0, sigma, (rows, n)))
    v = rng.lognormal(5.0, 1.0, (rows, n))
    return Ohlcv(o, h, lo, c, v)


def load_frame(root: Path, timeframe: str, limit: int | None = None) -> MarketFrame:
    """Load real binance candles into one frame on the union time axis (NaN before listing)."""
    files = sorted((root / "ohlcv" / "binance" / timeframe).glob("*.parquet"))[:limit]
    tables = [pq.read_table(f).to_pydict() for f in files]
    stamps = np.unique(np.concatenate([np.asarray(t["timestamp"], dtype=np.int64) for t in tables]))
    shape = (len(files), len(stamps))
    cols = {k: np.full(shape, np.nan) for k in ("open", "high", "low", "close", "volume")}
    for i, t in enumerate(tables):
        pos = np.searchsorted(stamps, np.asarray(t["timestamp"], dtype=np.int64))
        for k, arr in cols.items():
            arr[i, pos] = np.asarray(t[k], dtype=np.float64)
    symbols = tuple(f.stem for f in files)
    return MarketFrame("binance", timeframe, symbols, stamps, **cols)


def frame_ohlcv(frame: MarketFrame) -> Ohlcv:
    """The frame's candles as an Ohlcv of 2-D arrays."""
    return Ohlcv(frame.open, frame.high, frame.low, frame.close, frame.volume)


def _windows(x: Arr, p: int) -> Arr:
    return np.lib.stride_tricks.sliding_window_view(x, p)


def ref_vwap(d: Ohlcv, p: int) -> tuple[Arr, ...]:
    """Rolling typical-price VWAP by brute force (mean typical price on volumeless windows)."""
    out = np.full(d.c.shape, np.nan)
    if len(d.c) >= p:
        tp = (d.h + d.l + d.c) / 3.0
        sv = _windows(d.v, p).sum(axis=1)
        spv = _windows(tp * d.v, p).sum(axis=1)
        mean_tp = _windows(tp, p).mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[p - 1 :] = np.where(sv > 0, spv / sv, mean_tp)
    return (out,)


def ref_zscore(x: Arr, p: int) -> tuple[Arr, ...]:
    """(x - window mean) / window population deviation, 0 on flat windows."""
    out = np.full(x.shape, np.nan)
    if len(x) >= p:
        w = _windows(x, p)
        sd = w.std(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[p - 1 :] = np.where(sd > 0, (x[p - 1 :] - w.mean(axis=1)) / sd, 0.0)
    return (out,)


def _vol_from_terms(terms: Arr, p: int, ann: float, first: int, n: int) -> Arr:
    out = np.full(n, np.nan)
    if len(terms) >= p:
        var = _windows(terms, p).mean(axis=1)
        out[first + p - 1 :] = np.sqrt(np.maximum(var, 0.0) * ann)
    return out


def ref_cc_vol(c: Arr, p: int, ann: float) -> tuple[Arr, ...]:
    """Population deviation of log returns over p returns × sqrt(ann)."""
    out = np.full(c.shape, np.nan)
    if len(c) > p:
        r = np.log(c[1:] / c[:-1])
        out[p:] = _windows(r, p).std(axis=1) * np.sqrt(ann)
    return (out,)


def ref_parkinson(d: Ohlcv, p: int, ann: float) -> tuple[Arr, ...]:
    """Textbook Parkinson estimator."""
    terms = np.log(d.h / d.l) ** 2 / (4.0 * np.log(2.0))
    return (_vol_from_terms(terms, p, ann, 0, len(d.c)),)


def ref_garman_klass(d: Ohlcv, p: int, ann: float) -> tuple[Arr, ...]:
    """Textbook Garman-Klass estimator, floored at zero variance."""
    terms = 0.5 * np.log(d.h / d.l) ** 2 - (2 * np.log(2.0) - 1) * np.log(d.c / d.o) ** 2
    return (_vol_from_terms(terms, p, ann, 0, len(d.c)),)


def ref_rogers_satchell(d: Ohlcv, p: int, ann: float) -> tuple[Arr, ...]:
    """Textbook Rogers-Satchell estimator."""
    terms = np.log(d.h / d.c) * np.log(d.h / d.o) + np.log(d.l / d.c) * np.log(d.l / d.o)
    return (_vol_from_terms(terms, p, ann, 0, len(d.c)),)


# name -> (ours, brute-force reference, validity inputs; "+" requires positive prices)
NUMPY_CASES: dict[str, tuple[Fn, Fn, str]] = {
    "vwap": (lambda d: _t(ind.vwap(d.h, d.l, d.c, d.v, 20)), lambda d: ref_vwap(d, 20), "hlcv"),
    "vwap1": (lambda d: _t(ind.vwap(d.h, d.l, d.c, d.v, 1)), lambda d: ref_vwap(d, 1), "hlcv"),
    "volume_zscore": (lambda d: _t(ind.volume_zscore(d.v, 20)), lambda d: ref_zscore(d.v, 20), "v"),
    "close_to_close_vol": (
        lambda d: _t(ind.close_to_close_vol(d.c, 20, 365.0)),
        lambda d: ref_cc_vol(d.c, 20, 365.0),
        "c+",
    ),
    "parkinson_vol": (
        lambda d: _t(ind.parkinson_vol(d.h, d.l, 14, 24.0)),
        lambda d: ref_parkinson(d, 14, 24.0),
        "hl+",
    ),
    "garman_klass_vol": (
        lambda d: _t(ind.garman_klass_vol(d.o, d.h, d.l, d.c, 20)),
        lambda d: ref_garman_klass(d, 20, 1.0),
        "ohlc+",
    ),
    "rogers_satchell_vol": (
        lambda d: _t(ind.rogers_satchell_vol(d.o, d.h, d.l, d.c, 20, 8760.0)),
        lambda d: ref_rogers_satchell(d, 20, 8760.0),
        "ohlc+",
    ),
}
