"""Validate OHLCV rows from ccxt row by row and build a ``Candles`` frame."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from simbiot.domain.errors import MalformedPayload
from simbiot.domain.market import Candles
from simbiot.domain.timeframes import TIMEFRAME_MS

__all__ = ["OhlcvResult", "parse_ohlcv"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OhlcvResult:
    """The clean candles and how many rows were dropped."""

    candles: Candles
    dropped: int


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _row(row: Any) -> tuple[float, ...] | None:
    if not isinstance(row, list | tuple) or len(row) != 6:
        return None
    values = tuple(_number(v) for v in row)
    if any(v is None for v in values):
        return None
    return values  # type: ignore[return-value]


def parse_ohlcv(
    rows: Any,
    *,
    exchange: str,
    symbol: str,
    timeframe: str,
    since_ms: int | None = None,
    until_ms: int | None = None,
) -> OhlcvResult:
    """Return valid rows as candles, oldest first, one per timestamp.

    A row is dropped when it is not a 6-item list of finite numbers, when its timestamp is
    negative or not on the timeframe's grid, when a price is not positive, when the volume
    is negative, or when high/low do not bound open, close and each other. ``since_ms`` and
    ``until_ms`` (exclusive) bound the open times kept. A payload that is not a list, or
    whose rows are all malformed, raises ``MalformedPayload`` naming the symbol.
    """
    if not isinstance(rows, list | tuple):
        raise MalformedPayload(
            f"{exchange}: OHLCV for {symbol} is {type(rows).__name__}, not a list of rows"
        )
    parsed = [r for r in (_row(row) for row in rows) if r is not None]
    shape_dropped = len(rows) - len(parsed)
    if not parsed:
        if shape_dropped:
            raise MalformedPayload(
                f"{exchange}: OHLCV for {symbol} {timeframe}: all {len(rows)} rows malformed"
            )
        return OhlcvResult(Candles.empty(symbol, timeframe), 0)
    data = np.asarray(parsed, dtype=np.float64)
    ts, o, h, lo, c, v = data.T
    ok = (ts >= 0) & (ts == np.floor(ts)) & (o > 0) & (h > 0) & (lo > 0) & (c > 0) & (v >= 0)
    ok &= (h >= lo) & (h >= o) & (h >= c) & (lo <= o) & (lo <= c)
    # Weeks start on a weekday, not on a multiple of 7 days since the epoch.
    step = TIMEFRAME_MS.get(timeframe) if timeframe != "1w" else None
    if step:
        ok &= np.fmod(ts, step) == 0
    if not ok.any():
        raise MalformedPayload(
            f"{exchange}: OHLCV for {symbol} {timeframe}: all {len(rows)} rows malformed"
        )
    range_ok = np.ones_like(ok)
    if since_ms is not None:
        range_ok &= ts >= since_ms
    if until_ms is not None:
        range_ok &= ts < until_ms
    invalid = int((~ok).sum()) + shape_dropped
    data = data[ok & range_ok]
    # Sort by time and keep the last row of each duplicated timestamp.
    order = np.argsort(data[:, 0], kind="stable")
    data = data[order]
    keep = np.ones(len(data), dtype=bool)
    keep[:-1] = data[1:, 0] != data[:-1, 0]
    duplicates = int((~keep).sum())
    data = data[keep]
    if invalid or duplicates:
        log.warning(
            "%s: %s %s: dropped %d malformed and %d duplicate rows of %d",
            exchange,
            symbol,
            timeframe,
            invalid,
            duplicates,
            len(rows),
        )
    candles = Candles(
        symbol,
        timeframe,
        data[:, 0].astype(np.int64),
        np.ascontiguousarray(data[:, 1]),
        np.ascontiguousarray(data[:, 2]),
        np.ascontiguousarray(data[:, 3]),
        np.ascontiguousarray(data[:, 4]),
        np.ascontiguousarray(data[:, 5]),
    )
    return OhlcvResult(candles, invalid + duplicates)
