"""The kinds of background job and the shape of the function that runs one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from simbiot.config import Settings

__all__ = ["BACKTEST", "OPTIMISATION", "JobStopped", "Progress", "Runner", "plain_json"]

BACKTEST = "backtest"
OPTIMISATION = "optimisation"

Progress = Callable[[float], None]
"""Called by a runner with its share done (0..1); raises ``JobStopped`` when it must stop."""

Runner = Callable[[Settings, int, dict[str, Any], Progress], dict[str, Any]]
"""Runs one job (in a worker thread): settings, job id, parameters, progress → result."""


class JobStopped(Exception):
    """Raised inside a runner (through its progress callback) when its job must stop:
    cancelled, its lease taken over, or the worker shutting down."""


def plain_json(doc: Any) -> dict[str, Any]:
    """``doc`` as plain JSON types: numpy values converted, NaN and infinities as null."""
    out: dict[str, Any] = orjson.loads(
        orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
    )
    return out
