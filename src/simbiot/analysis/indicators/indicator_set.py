"""The standard indicator set: its parameters (a cache key) and its named result arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray

__all__ = ["INDICATOR_NAMES", "IndicatorParams", "IndicatorSet"]

INDICATOR_NAMES: tuple[str, ...] = (
    "sma",
    "ema_fast",
    "ema_slow",
    "ema_trend",
    "rsi",
    "macd",
    "macd_signal",
    "macd_hist",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "trange",
    "atr",
    "natr",
    "plus_di",
    "minus_di",
    "adx",
    "obv",
    "mfi",
    "stoch_k",
    "stoch_d",
    "cci",
    "donchian_upper",
    "donchian_lower",
    "donchian_middle",
    "vwap",
    "log_return",
    "std",
    "cc_vol",
    "parkinson_vol",
    "gk_vol",
    "rs_vol",
    "volume_z",
)


@dataclass(frozen=True, slots=True)
class IndicatorParams:
    """Every period of the standard set; hashable, so (params, symbols) keys a cache entry.

    ``annualization`` (bars per year) scales the volatility estimators; None derives it
    from the frame's timeframe.
    """

    sma: int = 50
    ema_fast: int = 12
    ema_slow: int = 26
    ema_trend: int = 50
    rsi: int = 14
    macd_fast: int = 12
    macd_slow: int = 26
    macd_signal: int = 9
    bb_period: int = 20
    bb_nbdev: float = 2.0
    atr: int = 14
    adx: int = 14
    mfi: int = 14
    stoch_fastk: int = 14
    stoch_slowk: int = 3
    stoch_slowd: int = 3
    cci: int = 20
    donchian: int = 20
    vwap: int = 20
    std: int = 20
    volatility: int = 20
    volume_z: int = 20
    annualization: float | None = None

    _MIN_ONE: ClassVar[frozenset[str]] = frozenset(
        {"macd_signal", "atr", "stoch_fastk", "stoch_slowk", "stoch_slowd", "donchian", "vwap"}
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("bb_nbdev", "annualization"):
                continue
            minimum = 1 if f.name in self._MIN_ONE else 2
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"{f.name} must be an integer >= {minimum}, got {value!r}")
        if not (math.isfinite(self.bb_nbdev) and self.bb_nbdev >= 0):
            raise ValueError(f"bb_nbdev must be finite and >= 0, got {self.bb_nbdev!r}")
        ann = self.annualization
        if ann is not None and not (math.isfinite(ann) and ann > 0):
            raise ValueError(f"annualization must be finite and > 0, got {ann!r}")


@dataclass(frozen=True, slots=True)
class IndicatorSet:
    """The standard indicators of one frame, each a (symbols, time) float64 array.

    ``block`` stacks them all in ``INDICATOR_NAMES`` order (one allocation, one buffer to
    reuse or to serialise); each named field is a view of one layer of it.
    ``annualization`` is the bars-per-year factor the volatility estimators used.
    """

    params: IndicatorParams
    symbols: tuple[str, ...]
    annualization: float
    block: FloatArray
    sma: FloatArray
    ema_fast: FloatArray
    ema_slow: FloatArray
    ema_trend: FloatArray
    rsi: FloatArray
    macd: FloatArray
    macd_signal: FloatArray
    macd_hist: FloatArray
    bb_upper: FloatArray
    bb_middle: FloatArray
    bb_lower: FloatArray
    trange: FloatArray
    atr: FloatArray
    natr: FloatArray
    plus_di: FloatArray
    minus_di: FloatArray
    adx: FloatArray
    obv: FloatArray
    mfi: FloatArray
    stoch_k: FloatArray
    stoch_d: FloatArray
    cci: FloatArray
    donchian_upper: FloatArray
    donchian_lower: FloatArray
    donchian_middle: FloatArray
    vwap: FloatArray
    log_return: FloatArray
    std: FloatArray
    cc_vol: FloatArray
    parkinson_vol: FloatArray
    gk_vol: FloatArray
    rs_vol: FloatArray
    volume_z: FloatArray

    @classmethod
    def from_block(
        cls,
        params: IndicatorParams,
        symbols: tuple[str, ...],
        block: FloatArray,
        annualization: float,
    ) -> IndicatorSet:
        """Wrap a (len(INDICATOR_NAMES), symbols, time) block; raise ValueError on a bad shape."""
        if block.ndim != 3 or block.shape[0] != len(INDICATOR_NAMES):
            raise ValueError(f"block must be ({len(INDICATOR_NAMES)}, S, T), got {block.shape}")
        if block.shape[1] != len(symbols):
            raise ValueError(f"block has {block.shape[1]} rows for {len(symbols)} symbols")
        if block.dtype != np.float64 or not block.flags.c_contiguous:
            raise ValueError("block must be C-contiguous float64")
        layers = {name: block[k] for k, name in enumerate(INDICATOR_NAMES)}
        return cls(params, symbols, annualization, block, **layers)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the indicator arrays, in block order."""
        return INDICATOR_NAMES

    @property
    def shape(self) -> tuple[int, int]:
        """(symbols, time) of every array."""
        return (int(self.block.shape[1]), int(self.block.shape[2]))

    def get(self, name: str) -> FloatArray:
        """Return the array called ``name``; raise KeyError for an unknown name."""
        if name not in INDICATOR_NAMES:
            raise KeyError(name)
        arr: FloatArray = getattr(self, name)
        return arr
