"""Indicators on demand, computed once per frame and shared by every X-ray stage.

Metrics, detectors and scoring ask for the same EMA or ATR with the same period; the bank
computes each (indicator, parameters) pair once over the whole 2-D frame and hands out the
same array afterwards. When the fused indicators of the frame (the whole ``IndicatorSet``
or some ``IndicatorLayers`` of it) already hold an indicator with the asked parameters,
their array is used instead of recomputing it; a layer of the standard set they lack is
computed on the first ``get``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from simbiot.analysis import indicators as ta
from simbiot.analysis.indicators import IndicatorLayers, IndicatorSet, compute_layers
from simbiot.analysis.indicators._parallel import run_rows
from simbiot.analysis.xray.numeric import FloatArray, log_prices
from simbiot.domain.frame import MarketFrame

__all__ = ["BANK_INDICATORS", "IndicatorBank"]

# the layers of the standard set that seed the bank's memo
BANK_INDICATORS: tuple[str, ...] = (
    "log_return",
    "ema_trend",
    "ema_slow",
    "ema_fast",
    "rsi",
    "atr",
    "adx",
    "volume_z",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "donchian_upper",
    "donchian_lower",
    "donchian_middle",
)


class IndicatorBank:
    """Memoised indicators of one frame; every array is (symbols, time) float64."""

    def __init__(
        self,
        frame: MarketFrame,
        ind: IndicatorSet | IndicatorLayers | None = None,
        *,
        workers: int = 1,
    ) -> None:
        if ind is not None and ind.shape != frame.shape:
            raise ValueError(f"indicator set {ind.shape} does not match frame {frame.shape}")
        if workers < 1:
            raise ValueError(f"need workers >= 1, got {workers}")
        self._workers = workers
        self.frame = frame
        self.ind = ind
        self._memo: dict[tuple[object, ...], object] = {}
        if ind is not None:
            self._seed(ind)

    def _seed(self, ind: IndicatorSet | IndicatorLayers) -> None:
        p = ind.params
        keys: dict[str, tuple[object, ...]] = {
            "log_return": ("returns",),
            "ema_trend": ("ema", p.ema_trend),
            "ema_slow": ("ema", p.ema_slow),
            "ema_fast": ("ema", p.ema_fast),
            "rsi": ("rsi", p.rsi),
            "atr": ("atr", p.atr),
            "adx": ("adx", p.adx),
            "volume_z": ("volume_z", p.volume_z),
        }
        for name, key in keys.items():
            if name in ind.names:
                self._memo[key] = ind.get(name)
        if "bb_middle" in ind.names:
            self._memo[("bbands", p.bb_period, p.bb_nbdev)] = (
                ind.get("bb_upper"),
                ind.get("bb_middle"),
                ind.get("bb_lower"),
            )
        if "donchian_middle" in ind.names:
            self._memo[("donchian", p.donchian)] = (
                ind.get("donchian_upper"),
                ind.get("donchian_lower"),
                ind.get("donchian_middle"),
            )

    def get(self, name: str) -> FloatArray:
        """Return an array of the standard set by name (computed here when the fused
        indicators lack it); raise KeyError when unknown or without fused indicators."""
        ind = self.ind
        if ind is None:
            raise KeyError(name)
        if name in ind.names:
            return ind.get(name)
        return self._array(
            ("layer", name),
            lambda: compute_layers(self.frame, (name,), ind.params).get(name),
        )

    def _once(self, key: tuple[object, ...], make: Callable[[], object]) -> object:
        if key not in self._memo:
            with np.errstate(all="ignore"):
                self._memo[key] = make()
        return self._memo[key]

    def _array(self, key: tuple[object, ...], make: Callable[[], FloatArray]) -> FloatArray:
        out = self._once(key, make)
        assert isinstance(out, np.ndarray)
        return out

    def log_close(self) -> FloatArray:
        """log(close), NaN where the close is missing or not positive."""
        return self._array(("log_close",), lambda: log_prices(self.frame.close))

    def returns(self) -> FloatArray:
        """One-bar log returns (NaN in the first column and next to a missing close)."""

        def make() -> FloatArray:
            logc = self.log_close()
            out = np.empty_like(logc)
            out[:, :1] = np.nan
            np.subtract(logc[:, 1:], logc[:, :-1], out=out[:, 1:])
            return out

        return self._array(("returns",), make)

    def ema(self, period: int) -> FloatArray:
        """EMA of the close."""
        return self._array(("ema", period), lambda: ta.ema(self.frame.close, period))

    def rsi(self, period: int) -> FloatArray:
        """RSI of the close."""
        return self._array(("rsi", period), lambda: ta.rsi(self.frame.close, period))

    def atr(self, period: int) -> FloatArray:
        """Average true range."""
        f = self.frame
        return self._array(("atr", period), lambda: ta.atr(f.high, f.low, f.close, period))

    def adx(self, period: int) -> FloatArray:
        """Average directional index."""
        f = self.frame
        return self._array(("adx", period), lambda: ta.adx(f.high, f.low, f.close, period))

    def volume_z(self, period: int) -> FloatArray:
        """Z-score of the volume over ``period`` bars."""
        return self._array(
            ("volume_z", period), lambda: ta.volume_zscore(self.frame.volume, period)
        )

    def sigma(self, period: int) -> FloatArray:
        """Rolling standard deviation of one-bar log returns (per-bar volatility).

        Rows are split over the bank's ``workers`` threads (the values do not change).
        """

        def make() -> FloatArray:
            returns = self.returns()
            out = np.empty_like(returns)

            def rows(a: int, b: int) -> None:
                out[a:b] = ta.rolling_std(returns[a:b], period)

            run_rows(rows, returns.shape[0], self._workers, row_values=returns.shape[1])
            return out

        return self._array(("sigma", period), make)

    def bbands(self, period: int, nbdev: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Bollinger bands (upper, middle, lower)."""
        out = self._once(
            ("bbands", period, nbdev), lambda: ta.bbands(self.frame.close, period, nbdev)
        )
        assert isinstance(out, tuple)
        return out

    def donchian(self, period: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Donchian channel (upper, lower, middle) including the current bar."""
        f = self.frame
        out = self._once(("donchian", period), lambda: ta.donchian(f.high, f.low, period))
        assert isinstance(out, tuple)
        return out
