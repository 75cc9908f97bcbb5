"""Helpers shared by the built-in strategies."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.domain.errors import ConfigError

__all__ = ["clip01", "fmt", "int_param", "num_param"]


def fmt(x: float) -> str:
    """Format a number for a reason sentence (4 significant digits, '-' when unknown)."""
    return f"{x:.4g}" if math.isfinite(x) else "-"


def clip01(x: FloatArray) -> FloatArray:
    """Clip to [0, 1]; NaN becomes 0 (no evidence, no strength)."""
    return np.nan_to_num(np.clip(x, 0.0, 1.0), nan=0.0)


def int_param(params: Mapping[str, Any], name: str) -> int:
    """Return ``params[name]`` as int."""
    return int(params[name])


def num_param(params: Mapping[str, Any], name: str) -> float:
    """Return ``params[name]`` as float."""
    return float(params[name])


def require(condition: bool, strategy: str, message: str) -> None:
    """Raise ConfigError naming the strategy when a cross-parameter rule is broken."""
    if not condition:
        raise ConfigError(f"strategy {strategy!r}: {message}")
