"""The one numba decorator every kernel uses: compiled once, cached on disk, strict IEEE maths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["kernel"]


def kernel(fn: F) -> F:
    """Compile ``fn`` in nopython mode with an on-disk cache and no fast-math.

    ``fastmath`` stays off because TA-Lib equality needs the exact IEEE operation order;
    no ``parallel``: the machines share two cores between many processes, so one thread
    per process is the measured best.
    """
    return cast(F, numba.njit(cache=True, fastmath=False, nogil=True)(fn))
