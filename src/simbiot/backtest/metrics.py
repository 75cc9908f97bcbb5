"""Performance figures from an equity curve and a trade list (A8): one implementation for
backtest, paper and live.

Definitions (``E`` the equity at each bar's close, ``r_t = E_t / E_{t-1} - 1`` the bar
returns, ``N`` the bars per year of the timeframe, 365 days a year: crypto trades 24/7):

- ``total_return`` = ``E_last / E_first - 1``.
- ``cagr`` = ``(E_last / E_first) ** (1 / years) - 1`` with ``years`` the span of the
  curve; None when the span is zero, -1 when the account is wiped out, ``inf`` when a
  short steep curve annualises beyond the float range.
- ``sharpe`` = ``mean(r) / std(r, ddof=1) * sqrt(N)`` (risk-free rate 0); None with fewer
  than two returns or zero volatility (a flat curve; below 1e-12 per bar counts as zero).
- ``sortino`` = ``mean(r) / sqrt(mean(min(r, 0)²)) * sqrt(N)``; ``inf`` when the curve
  never falls but gains, None when it neither falls nor gains (or has < 2 returns).
- ``max_drawdown`` = ``max_t(1 - E_t / max_{s<=t} E_s)``, a fraction in [0, 1];
  ``max_drawdown_bars`` / ``max_drawdown_ms``: the longest time spent below a previous
  peak (from the peak to the recovery, or to the end when it never recovers).
- ``calmar`` = ``cagr / max_drawdown``; None when the drawdown is 0 or ``cagr`` is None
  or infinite.
- ``trades``: closed trades. ``win_rate`` = share with ``pnl > 0``; ``profit_factor`` =
  gross profit / gross loss (``inf`` with profit and no loss); ``expectancy`` = mean
  ``pnl`` per trade (quote currency); ``avg_trade_return`` = mean of ``pnl / notional``.
  All None when there is no trade (``profit_factor`` also when every pnl is 0).
- ``exposure``: the share of the curve's time with at least one position open, a trade
  holding its entry bar through its exit bar.
- ``fees``: the sum of the trades' fees.

No figure is ever NaN: undefined ones are None, unbounded ones ``inf`` (``"inf"`` in JSON).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.backtest.trades import Trade, trades_to_columns
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["Metrics", "compute_metrics", "compute_metrics_async", "drawdown"]

_YEAR_MS = 365 * 86_400_000
FloatArray = npt.NDArray[np.float64]
# Per-bar return dispersion below this is float rounding of a flat or steady curve, not risk:
# dividing by it would turn rounding noise into a huge ratio.
_NOISE = 1e-12


@dataclass(frozen=True, slots=True)
class Metrics:
    """The A8 figures of one equity curve (a symbol's or the portfolio's)."""

    start: int
    end: int
    bars: int
    initial_equity: float
    final_equity: float
    total_return: float
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown: float
    max_drawdown_bars: int
    max_drawdown_ms: int
    trades: int
    win_rate: float | None
    profit_factor: float | None
    expectancy: float | None
    avg_trade_return: float | None
    exposure: float
    fees: float

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict; ``inf`` becomes the string ``"inf"``."""
        return {k: _json_number(v) for k, v in asdict(self).items()}


def _json_number(v: Any) -> Any:
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def drawdown(equity: npt.ArrayLike) -> FloatArray:
    """Return ``1 - E_t / max_{s<=t} E_s`` at every bar (0 at new highs)."""
    e = np.asarray(equity, dtype=np.float64)
    peak = np.maximum.accumulate(e)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, 1.0 - e / peak, 0.0)
    return np.clip(dd, 0.0, 1.0)


def _longest_underwater(e: FloatArray, ts: npt.NDArray[np.int64]) -> tuple[int, int]:
    """Return (bars, ms) of the longest stretch below a previous peak."""
    peak = np.maximum.accumulate(e)
    under = e < peak
    if not under.any():
        return 0, 0
    # Index of the peak each bar measures against: the last bar at a new high.
    at_high = np.flatnonzero(~under)
    best_bars, best_ms = 0, 0
    starts = np.flatnonzero(under & ~np.concatenate(([False], under[:-1])))
    for s in starts:
        p = at_high[np.searchsorted(at_high, s) - 1]
        rec = np.searchsorted(at_high, s)
        end = at_high[rec] if rec < len(at_high) else len(e) - 1
        if end - p > best_bars:
            best_bars, best_ms = int(end - p), int(ts[end] - ts[p])
    return best_bars, best_ms


def _bar_ms(ts: npt.NDArray[np.int64], timeframe: str | None) -> int:
    if timeframe is not None:
        return timeframe_ms(timeframe)
    if len(ts) < 2:
        return 0
    return int(np.median(np.diff(ts)))


def _ratio_stats(e: FloatArray, per_year: float) -> tuple[float | None, float | None]:
    """Return (sharpe, sortino) of the bar returns of ``e``."""
    if len(e) < 3 or per_year <= 0:
        return None, None
    prev = e[:-1]
    r = np.divide(e[1:] - prev, prev, out=np.zeros(len(prev)), where=prev > 0)
    mean = float(r.mean())
    sd = float(r.std(ddof=1))
    scale = math.sqrt(per_year)
    sharpe = mean / sd * scale if sd > _NOISE else None
    down = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
    if down > _NOISE:
        sortino: float | None = mean / down * scale
    else:
        sortino = math.inf if mean > 0 else None
    return sharpe, sortino


def _exposure(
    entry: npt.NDArray[np.int64], exit_: npt.NDArray[np.int64], ts: npt.NDArray[np.int64], bar: int
) -> float:
    """Share of [first bar, last bar + bar) covered by the union of trade intervals."""
    if len(entry) == 0 or len(ts) == 0:
        return 0.0
    span = int(ts[-1] - ts[0]) + bar
    if span <= 0:
        return 0.0
    order = np.argsort(entry, kind="stable")
    covered, cur_s, cur_e = 0, None, None
    for s, x in zip(entry[order], exit_[order] + bar, strict=True):
        if cur_e is None or s > cur_e:
            if cur_e is not None and cur_s is not None:
                covered += cur_e - cur_s
            cur_s, cur_e = int(s), int(x)
        elif x > cur_e:
            cur_e = int(x)
    if cur_e is not None and cur_s is not None:
        covered += cur_e - cur_s
    return min(1.0, max(0.0, covered / span))


def _cagr(growth: float, years: float) -> float:
    """Annualise ``growth`` over ``years``; ``inf`` when it exceeds the float range."""
    if growth <= 0:
        return -1.0
    try:
        return math.expm1(math.log(growth) / years)
    except OverflowError:
        # A short, steep curve (a week doubling) annualises beyond any float.
        return math.inf


def compute_metrics(
    timestamp: npt.ArrayLike,
    equity: npt.ArrayLike,
    trades: Sequence[Trade],
    *,
    timeframe: str | None = None,
) -> Metrics:
    """Return the figures of one equity curve and the trades that made it.

    ``timestamp`` (ms, increasing) and ``equity`` have one value per bar; ``timeframe``
    fixes the bar length (else the median spacing). Raise ValueError on mismatched
    lengths, non-finite or negative equity.
    """
    ts = np.asarray(timestamp, dtype=np.int64)
    e = np.asarray(equity, dtype=np.float64)
    if ts.shape != e.shape or e.ndim != 1:
        raise ValueError(f"timestamp {ts.shape} and equity {e.shape} must be equal 1-D shapes")
    if not np.all(np.isfinite(e)) or np.any(e < 0):
        raise ValueError("equity must be finite and >= 0")
    if len(ts) > 1 and np.any(np.diff(ts) <= 0):
        raise ValueError("timestamps must increase")
    bar = _bar_ms(ts, timeframe)
    per_year = _YEAR_MS / bar if bar > 0 else 0.0
    cols = trades_to_columns(trades)
    first = float(e[0]) if len(e) else 0.0
    last = float(e[-1]) if len(e) else 0.0
    total = last / first - 1.0 if first > 0 else 0.0
    years = (int(ts[-1]) - int(ts[0])) / _YEAR_MS if len(ts) > 1 else 0.0
    cagr: float | None = None
    if years > 0 and first > 0:
        cagr = _cagr(last / first, years)
    sharpe, sortino = _ratio_stats(e, per_year)
    mdd = float(drawdown(e).max()) if len(e) else 0.0
    dd_bars, dd_ms = _longest_underwater(e, ts) if len(e) else (0, 0)
    calmar = cagr / mdd if cagr is not None and mdd > 0 and math.isfinite(cagr) else None
    pnl = cols["pnl"]
    n = len(pnl)
    win_rate = pf = expectancy = avg_ret = None
    if n:
        gains, losses = float(pnl[pnl > 0].sum()), float(-pnl[pnl < 0].sum())
        win_rate = float(np.count_nonzero(pnl > 0) / n)
        if losses > 0:
            pf = gains / losses
        elif gains > 0:
            pf = math.inf
        expectancy = float(pnl.mean())
        notional = cols["notional"]
        rets = np.divide(pnl, notional, out=np.zeros(n), where=notional > 0)
        avg_ret = float(rets.mean())
    exposure = _exposure(cols["entry_time"], cols["exit_time"], ts, bar)
    return Metrics(
        int(ts[0]) if len(ts) else 0, int(ts[-1]) if len(ts) else 0, len(e), first, last,
        total, cagr, sharpe, sortino, calmar, mdd, dd_bars, dd_ms, n, win_rate, pf,
        expectancy, avg_ret, exposure, float(cols["fee"].sum()),
    )  # fmt: skip


async def compute_metrics_async(
    timestamp: npt.ArrayLike,
    equity: npt.ArrayLike,
    trades: Sequence[Trade],
    *,
    timeframe: str | None = None,
) -> Metrics:
    """Compute :func:`compute_metrics` in a worker thread, off the event loop."""
    return await asyncio.to_thread(compute_metrics, timestamp, equity, trades, timeframe=timeframe)
