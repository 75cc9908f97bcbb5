"""Indicators on demand, computed once per frame and shared by every X-ray stage.

Metrics, detectors and scoring ask for the same EMA or ATR with the same period; the bank
computes each (indicator, parameters) pair once over the whole 2-D frame and hands out the
same array afterwards. Arrays of the fused ``IndicatorSet`` stay reachable by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from simbiot.analysis import indicators as ta
from simbiot.analysis.xray.numeric import FloatArray, log_prices
from simbiot.domain.frame import MarketFrame

__all__ = ["IndicatorBank", "NamedArrays"]


class NamedArrays(Protocol):
    """Read side of ``IndicatorSet`` / ``FeatureSet``: arrays by name."""

    @property
    def names(self) -> tuple[str, ...]: ...

    def get(self, name: str) -> FloatArray: ...


class IndicatorBank:
    """Memoised indicators of one frame; every array is (symbols, time) float64."""

    def __init__(self, frame: MarketFrame, named: NamedArrays | None = None) -> None:
        self.frame = frame
        self._named = named
        self._memo: dict[tuple[object, ...], object] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the precomputed arrays (the fused set), if any."""
        return self._named.names if self._named is not None else ()

    def get(self, name: str) -> FloatArray:
        """Return a precomputed array by name; raise KeyError when absent."""
        if self._named is None or name not in self._named.names:
            raise KeyError(name)
        return self._named.get(name)

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
        """One-bar log returns."""
        return self._array(("returns",), lambda: ta.log_returns(self.frame.close, 1))

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
        """Rolling standard deviation of one-bar log returns (per-bar volatility)."""
        return self._array(("sigma", period), lambda: ta.rolling_std(self.returns(), period))

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
