"""Feature parameters and the named, normalised feature arrays of one frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray

__all__ = ["Breadth", "FeatureParams", "FeatureSet", "feature_names"]


@dataclass(frozen=True, slots=True)
class FeatureParams:
    """Horizons (bars) and windows of the feature set; hashable for cache keys."""

    horizons: tuple[int, ...] = (1, 4, 24)
    liquidity_window: int = 24
    vol_rank_window: int = 500
    vol_rank_min_periods: int = 50

    def __post_init__(self) -> None:
        if not self.horizons or any(
            isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in self.horizons
        ):
            raise ValueError(f"horizons must be integers >= 1, got {self.horizons!r}")
        if len(set(self.horizons)) != len(self.horizons):
            raise ValueError(f"horizons repeat: {self.horizons!r}")
        for name in ("liquidity_window", "vol_rank_window", "vol_rank_min_periods"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if self.vol_rank_min_periods > self.vol_rank_window:
            raise ValueError("vol_rank_min_periods cannot exceed vol_rank_window")


def feature_names(params: FeatureParams) -> tuple[str, ...]:
    """Return the feature names produced with ``params``, in block order."""
    per_horizon = tuple(f"ret_z_{h}" for h in params.horizons) + tuple(
        f"rel_strength_{h}" for h in params.horizons
    )
    return (
        *per_horizon,
        "dist_ema_fast_atr",
        "dist_ema_slow_atr",
        "dist_ema_trend_atr",
        "dist_sma_atr",
        "dist_bb_upper_atr",
        "dist_bb_lower_atr",
        "bb_width_atr",
        "rsi_centered",
        "macd_hist_atr",
        "adx",
        "di_spread",
        "natr",
        "volume_z",
        "liquidity",
        "vol_rank",
        "breadth_above_ema",
        "breadth_advancing",
    )


@dataclass(frozen=True, slots=True)
class Breadth:
    """Market breadth over time (1-D, one value per candle, NaN where no symbol counts)."""

    above_ema: FloatArray
    advancing: FloatArray
    counted: FloatArray

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the breadth series."""
        return ("above_ema", "advancing", "counted")

    def get(self, name: str) -> FloatArray:
        """Return the series called ``name``; raise KeyError when unknown."""
        if name not in self.names:
            raise KeyError(name)
        arr: FloatArray = getattr(self, name)
        return arr


@dataclass(frozen=True, slots=True)
class FeatureSet:
    """Normalised features of every symbol: ``block`` is (features, symbols, time)."""

    params: FeatureParams
    symbols: tuple[str, ...]
    names: tuple[str, ...]
    block: FloatArray
    breadth: Breadth
    reference: int | None

    def __post_init__(self) -> None:
        expected = (len(self.names), len(self.symbols))
        if self.block.ndim != 3 or self.block.shape[:2] != expected:
            raise ValueError(f"block has shape {self.block.shape}, expected {expected} + (T,)")

    def get(self, name: str) -> FloatArray:
        """Return the (symbols, time) array of feature ``name``; raise KeyError when unknown."""
        try:
            k = self.names.index(name)
        except ValueError:
            raise KeyError(name) from None
        arr: FloatArray = self.block[k]
        return arr

    def matrix(self, t: int = -1) -> FloatArray:
        """Return the (symbols, features) matrix at candle ``t`` for a model (a copy)."""
        return np.ascontiguousarray(self.block[:, :, t].T)
