"""Anomaly detection (A2): learn each metric's normal range per symbol, flag departures.

``RobustAnomalyDetector`` is the statistical baseline: for every symbol and metric it learns
the median and the MAD over a rolling history window, then scores the current value as a
robust z = (x - median) / (1.4826 × MAD). It re-learns on every ``fit`` (self-updating as the
market moves). A symbol with too little history, or whose metric never moved (MAD 0), borrows
the market-wide scale (median of the symbols' scales) so new listings are judged too. ML
detectors implement the same ``AnomalyDetector`` protocol and plug in unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators._parallel import run_rows
from simbiot.analysis.xray.numeric import (
    MAD_TO_SIGMA,
    FloatArray,
    IntArray,
    nanmedian_mad,
)
from simbiot.domain.frame import MarketFrame

__all__ = [
    "AnomalyDetector",
    "AnomalyResult",
    "MetricPanel",
    "RobustAnomalyDetector",
    "bar_panel",
]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class MetricPanel:
    """Per-bar metrics of many symbols: ``values[symbol, metric, time]``."""

    symbols: tuple[str, ...]
    names: tuple[str, ...]
    values: FloatArray

    def __post_init__(self) -> None:
        if self.values.ndim != 3 or self.values.shape[0] != len(self.symbols):
            raise ValueError(f"values must be (symbols, metrics, time), got {self.values.shape}")
        if self.values.shape[1] != len(self.names):
            raise ValueError("one metric name per last-axis column is required")

    def history(self) -> MetricPanel:
        """Every bar but the newest (what ``fit`` learns from)."""
        return MetricPanel(self.symbols, self.names, self.values[:, :, :-1])

    def current(self) -> FloatArray:
        """The newest bar's metrics, (symbols, metrics)."""
        return np.array(self.values[:, :, -1])


@dataclass(frozen=True, slots=True)
class AnomalyResult:
    """Robust z of every symbol's current metrics and which of them are anomalous."""

    symbols: tuple[str, ...]
    names: tuple[str, ...]
    z: FloatArray  # (symbols, metrics); NaN where the current value is missing
    flags: BoolArray  # (symbols, metrics)

    @property
    def anomalous(self) -> BoolArray:
        """Whether any metric of a symbol is anomalous, (symbols,)."""
        return np.asarray(self.flags.any(axis=1))

    @property
    def score(self) -> FloatArray:
        """Largest |z| of each symbol (0 when nothing is known)."""
        a = np.abs(self.z)
        a = np.where(np.isfinite(a), a, 0.0)
        return a.max(axis=1) if a.shape[1] else np.zeros(a.shape[0])

    def flagged(self, row: int) -> tuple[str, ...]:
        """Names of the anomalous metrics of the symbol at ``row``."""
        return tuple(n for n, f in zip(self.names, self.flags[row], strict=True) if f)


@runtime_checkable
class AnomalyDetector(Protocol):
    """Learns what is normal from history and scores the present against it."""

    @property
    def name(self) -> str: ...

    def fit(self, history: MetricPanel) -> None:
        """Learn each symbol's normal range from ``history``."""
        ...

    def score(self, symbols: Sequence[str], current: FloatArray) -> AnomalyResult:
        """Score current metrics, (symbols, metrics), aligned with ``symbols``."""
        ...


def bar_panel(frame: MarketFrame, bars: int, workers: int = 1) -> MetricPanel:
    """Per-bar log return, log range and log quote volume over the newest ``bars`` + 1.

    Rows are split over ``workers`` threads; the values do not depend on their number.
    """
    f = frame.tail(bars + 2)
    n_sym, n = f.shape
    values = np.empty((n_sym, 3, max(n - 1, 0)))

    def rows(a: int, b: int) -> None:
        c, h, lo, v, out = f.close[a:b], f.high[a:b], f.low[a:b], f.volume[a:b], values[a:b]
        with np.errstate(all="ignore"):
            logc = np.log(c)
            np.subtract(logc[:, 1:], logc[:, :-1], out=out[:, 0])
            np.subtract(np.log(h[:, 1:]), np.log(lo[:, 1:]), out=out[:, 1])
            np.log1p(c[:, 1:] * v[:, 1:], out=out[:, 2])
        # Zero or negative prices give -inf/NaN: both mean "no value" to the detector.
        out[~np.isfinite(out)] = np.nan

    run_rows(rows, n_sym, workers, row_values=values.shape[1] * values.shape[2])
    return MetricPanel(f.symbols, ("log_return", "log_range", "log_quote_volume"), values)


def _median_mad_rows(x: FloatArray, workers: int) -> tuple[FloatArray, FloatArray, IntArray]:
    """``nanmedian_mad`` of a (symbols, metrics, time) array, symbols split over threads."""
    center = np.empty(x.shape[:-1])
    mad = np.empty(x.shape[:-1])
    count = np.empty(x.shape[:-1], dtype=np.int64)

    def rows(a: int, b: int) -> None:
        center[a:b], mad[a:b], count[a:b] = nanmedian_mad(x[a:b])

    run_rows(rows, x.shape[0], workers, row_values=x[0].size if x.shape[0] else 1)
    return center, mad, count


class RobustAnomalyDetector:
    """Median/MAD normal ranges per symbol and metric; robust-z flags."""

    name = "robust_z"

    def __init__(
        self,
        z_threshold: float = 6.0,
        min_history: int = 30,
        z_cap: float = 1e3,
        *,
        workers: int = 1,
    ) -> None:
        if z_threshold <= 0 or min_history < 2 or z_cap <= z_threshold:
            raise ValueError("need z_threshold > 0, min_history >= 2, z_cap > z_threshold")
        if workers < 1:
            raise ValueError(f"need workers >= 1, got {workers}")
        self._workers = workers
        self._threshold = z_threshold
        self._min_history = min_history
        self._cap = z_cap
        self._names: tuple[str, ...] = ()
        self._rows: dict[str, int] = {}
        self._center = np.empty((0, 0))
        self._scale = np.empty((0, 0))
        self._pooled_center = np.empty(0)
        self._pooled_scale = np.empty(0)

    @property
    def fitted(self) -> bool:
        """Whether ``fit`` has run."""
        return bool(self._names)

    def fit(self, history: MetricPanel) -> None:
        """Learn median and scale per symbol and metric, and the market-wide fallbacks."""
        with np.errstate(all="ignore"):
            center, mad, count = _median_mad_rows(history.values, self._workers)
            scale = MAD_TO_SIGMA * mad
            enough = (count >= self._min_history) & (scale > 0)
            pooled_center, _, _ = nanmedian_mad(np.where(enough, center, np.nan).T)
            pooled_scale, _, _ = nanmedian_mad(np.where(enough, scale, np.nan).T)
        # A metric no symbol has enough history for cannot be judged: infinite scale, z = 0.
        pooled_scale = np.where(
            np.isfinite(pooled_scale) & (pooled_scale > 0), pooled_scale, np.inf
        )
        pooled_center = np.where(np.isfinite(pooled_center), pooled_center, 0.0)
        self._center = np.where(count > 0, center, pooled_center[None, :])
        self._scale = np.where(enough, scale, pooled_scale[None, :])
        self._pooled_center = pooled_center
        self._pooled_scale = pooled_scale
        self._names = history.names
        self._rows = {s: i for i, s in enumerate(history.symbols)}

    def score(self, symbols: Sequence[str], current: FloatArray) -> AnomalyResult:
        """Robust z of ``current`` against what ``fit`` learned; raise if never fitted."""
        if not self.fitted:
            raise RuntimeError("RobustAnomalyDetector.score called before fit")
        if current.shape != (len(symbols), len(self._names)):
            raise ValueError(
                f"current must be {(len(symbols), len(self._names))}, got {current.shape}"
            )
        idx = np.fromiter(
            (self._rows.get(s, -1) for s in symbols), dtype=np.intp, count=len(symbols)
        )
        known = idx >= 0
        center = np.where(
            known[:, None], self._center[np.where(known, idx, 0)], self._pooled_center
        )
        scale = np.where(known[:, None], self._scale[np.where(known, idx, 0)], self._pooled_scale)
        with np.errstate(all="ignore"):
            z = np.clip((current - center) / scale, -self._cap, self._cap)
        flags = np.isfinite(z) & (np.abs(z) > self._threshold)
        return AnomalyResult(tuple(symbols), self._names, z, flags)
