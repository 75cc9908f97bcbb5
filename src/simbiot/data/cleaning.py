"""Candle cleaning: one stated rule per defect, each counted (D6).

Rules, applied in this order on whole columns (numpy, no Python loop over rows):

1. ``non_finite``: a row with NaN or ±inf in any price or volume column is dropped.
2. ``misaligned``: an open time that is not a multiple of the timeframe is dropped.
3. ``future``: an open time after ``now_ms`` is dropped.
4. ``unfinished``: a candle still open at ``now_ms`` (open time + timeframe > now) is dropped;
   only closed candles are stored.
5. ``non_positive_price``: any of open/high/low/close ≤ 0 drops the row.
6. ``negative_volume``: volume < 0 drops the row (zero volume is a real, quiet candle).
7. ``high_low_dropped``: high < low contradicts itself; which side is wrong is unknowable,
   so the row is dropped.
8. ``high_low_repaired``: high below max(open, close) or low above min(open, close) (a
   rounding artefact some venues emit) is repaired by widening: high = max(o, h, c),
   low = min(o, l, c). Open, close and volume are kept as reported.
9. ``unsorted``: rows out of time order are sorted (stable); the count is how many rows
   were found earlier in time than the row before them.
10. ``duplicates``: several rows with one open time keep the last one received (the
    newest report of that candle); the count is how many rows were removed.
11. ``gaps``: missing candles between the first and last row are counted, never invented.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from simbiot.domain.market import Candles
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["CleaningReport", "clean_candles", "count_gaps"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CleaningReport:
    """What cleaning found in one symbol's candles."""

    symbol: str
    timeframe: str
    rows_in: int
    rows_out: int
    non_finite: int = 0
    misaligned: int = 0
    future: int = 0
    unfinished: int = 0
    non_positive_price: int = 0
    negative_volume: int = 0
    high_low_dropped: int = 0
    high_low_repaired: int = 0
    unsorted: int = 0
    duplicates: int = 0
    gaps: int = 0

    @property
    def dropped(self) -> int:
        """Rows removed by any rule."""
        return self.rows_in - self.rows_out

    @property
    def clean(self) -> bool:
        """Whether the input needed no change at all (gaps are not a change)."""
        return self.dropped == 0 and self.high_low_repaired == 0 and self.unsorted == 0

    def as_dict(self) -> dict[str, int | str]:
        """Return the counts as a plain dict (for logs and reports)."""
        return asdict(self)


def count_gaps(timestamp: npt.NDArray[np.int64], step_ms: int) -> int:
    """Return how many candles are missing between sorted, unique, aligned open times."""
    if len(timestamp) < 2:
        return 0
    return int(((np.diff(timestamp) // step_ms) - 1).sum())


def clean_candles(raw: Candles, timeframe: str, now_ms: int) -> tuple[Candles, CleaningReport]:
    """Apply the cleaning rules to ``raw``; return closed, valid, sorted, unique candles."""
    step = timeframe_ms(timeframe)
    ts = np.asarray(raw.timestamp, dtype=np.int64)
    o = np.asarray(raw.open, dtype=np.float64)
    h = np.asarray(raw.high, dtype=np.float64)
    lo = np.asarray(raw.low, dtype=np.float64)
    c = np.asarray(raw.close, dtype=np.float64)
    v = np.asarray(raw.volume, dtype=np.float64)
    counts: dict[str, int] = {}

    keep = np.ones(len(ts), dtype=bool)

    def rule(name: str, bad: npt.NDArray[np.bool_]) -> None:
        # Count only rows not already dropped by an earlier rule: each row has one reason.
        hit = bad & keep
        counts[name] = int(hit.sum())
        keep[hit] = False

    finite = np.isfinite(o) & np.isfinite(h) & np.isfinite(lo) & np.isfinite(c) & np.isfinite(v)
    rule("non_finite", ~finite)
    rule("misaligned", ts % step != 0)
    rule("future", ts > now_ms)
    rule("unfinished", ts + step > now_ms)
    with np.errstate(invalid="ignore"):
        rule("non_positive_price", (o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0))
        rule("negative_volume", v < 0)
        rule("high_low_dropped", h < lo)

    ts = ts[keep]
    # One (5, n) matrix so every row selection below is one fancy-index, not five.
    prices = np.stack((o, h, lo, c, v))[:, keep]
    o, h, lo, c = prices[0], prices[1], prices[2], prices[3]
    top = np.maximum(o, c)
    bottom = np.minimum(o, c)
    repair = (h < top) | (lo > bottom)
    counts["high_low_repaired"] = int(repair.sum())
    if counts["high_low_repaired"]:
        np.maximum(h, top, out=h)
        np.minimum(lo, bottom, out=lo)

    counts["unsorted"] = int((np.diff(ts) < 0).sum()) if len(ts) > 1 else 0
    if counts["unsorted"]:
        order = np.argsort(ts, kind="stable")
        ts, prices = ts[order], prices[:, order]
    # After a stable sort the last row of each run of equal times is the last one received.
    last_of_run = np.ones(len(ts), dtype=bool)
    if len(ts) > 1:
        last_of_run[:-1] = ts[1:] != ts[:-1]
    counts["duplicates"] = int((~last_of_run).sum())
    if counts["duplicates"]:
        ts, prices = ts[last_of_run], prices[:, last_of_run]
    counts["gaps"] = count_gaps(ts, step)

    out = Candles(
        raw.symbol,
        timeframe,
        np.ascontiguousarray(ts),
        *(np.ascontiguousarray(row) for row in prices),
    )
    report = CleaningReport(raw.symbol, timeframe, len(raw), len(out), **counts)
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "cleaned %s %s: %d -> %d rows %s",
            raw.symbol,
            timeframe,
            report.rows_in,
            report.rows_out,
            {k: n for k, n in counts.items() if n},
        )
    return out, report
