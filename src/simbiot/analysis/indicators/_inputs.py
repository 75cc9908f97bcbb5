"""Input checking shared by the public indicator functions: shapes, dtype, periods."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "as_rows", "check_period", "restore"]

FloatArray = npt.NDArray[np.float64]


def as_rows(*arrays: npt.ArrayLike) -> tuple[list[FloatArray], bool]:
    """Return the inputs as C-contiguous 2-D float64 arrays and whether they were 1-D.

    Raise ValueError when the inputs are not all 1-D or all 2-D of one shape.
    """
    converted = [np.asarray(a, dtype=np.float64) for a in arrays]
    first = converted[0]
    if first.ndim not in (1, 2):
        raise ValueError(f"expected a 1-D or 2-D array, got {first.ndim} dimensions")
    for arr in converted[1:]:
        if arr.shape != first.shape:
            raise ValueError(f"input shapes differ: {first.shape} and {arr.shape}")
    one_d = first.ndim == 1
    rows = [np.ascontiguousarray(a.reshape(1, -1) if one_d else a) for a in converted]
    return rows, one_d


def restore(out: FloatArray, one_d: bool) -> FloatArray:
    """Return ``out`` in the caller's dimensionality."""
    return out[0] if one_d else out


def check_period(name: str, value: int, minimum: int = 2) -> int:
    """Return ``value`` as int; raise ValueError when it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)
