"""Vectorised long-only backtests of many parameter sets × many symbols in one numba pass.

Conventions (the fill model the event-driven engine shares, see the package docstring):

- **Fills at the next open.** A signal read at the close of bar ``t`` fills at the open of
  bar ``t + 1``; when that bar has no candle the order is dropped. Exit beats entry when a
  bar carries both.
- **Costs.** ``fee`` is charged on the notional of every fill. Market fills (entry, signal
  exit, stop-loss) pay ``slippage`` against the trader; a take-profit is a limit order.
- **Stops** are levels from the entry fill price: ``entry × (1 − stop_loss)`` and
  ``entry × (1 + take_profit)``, checked inside every bar the position lives through,
  including the entry bar (its range comes after the fill at its open) unless
  ``stops_on_entry_bar`` is off. A bar opening beyond a level fills at its open (a gap),
  otherwise at the level. **Stop-loss has priority** when one bar reaches both levels:
  the order of high and low inside a candle is unknown, so the pessimistic reading wins.
- **Stops before signals.** When a held position's stop-loss or take-profit is reached on
  the bar where a signal exit is pending (placed at the previous close), the stop fills
  and the signal exit is dropped: vectorbt's ``from_signals`` semantics (a stop hit on a
  bar replaces that bar's user signals and fills at the stop price, or at the open when
  the bar gaps through it). With a pending exit the position would otherwise leave at
  the open; here it leaves at the stop, the conservative reading for a stop-loss.
- **Sizing.** ``capital`` is split equally across symbols; each symbol trades its own
  sub-account and an entry spends ``fraction`` of that cash, fee included.
- **End of data.** A position still open is closed at the symbol's last close with the fee
  (reason ``end``) when ``close_at_end`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators import ema
from simbiot.backtest import _kernel as k
from simbiot.backtest.settings import BacktestSettings
from simbiot.signals.frame import BoolArray
from simbiot.signals.model import Side
from simbiot.signals.ops import crosses_above, crosses_below
from simbiot.signals.strategy import Strategy

__all__ = [
    "REASONS",
    "FastPathSupport",
    "FastResult",
    "FastTrades",
    "GridResult",
    "ema_cross_signals",
    "run_ema_cross_grid",
    "run_signals",
    "supports",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Exit reasons by the kernel's code.
REASONS: tuple[str, ...] = ("signal", "stop_loss", "take_profit", "end")


@dataclass(frozen=True, slots=True)
class FastTrades:
    """Closed trades as columns; ``set_index`` and ``row`` say which (set, symbol) made each."""

    set_index: IntArray
    row: IntArray
    entry_index: IntArray
    exit_index: IntArray
    entry_price: FloatArray
    exit_price: FloatArray
    amount: FloatArray
    entry_fee: FloatArray
    exit_fee: FloatArray
    reason: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.row)

    @property
    def fee(self) -> FloatArray:
        """Fees of both fills of each trade."""
        return self.entry_fee + self.exit_fee

    @property
    def pnl(self) -> FloatArray:
        """Net profit of each trade in quote currency, fees deducted."""
        return self.amount * (self.exit_price - self.entry_price) - self.fee


@dataclass(frozen=True, slots=True)
class FastResult:
    """Trades, equity curves and per-(set, symbol) summaries of :func:`run_signals`."""

    trades: FastTrades
    equity: FloatArray | None
    capital: FloatArray
    trade_count: IntArray
    final_equity: FloatArray
    max_drawdown: FloatArray
    bars_in_market: IntArray

    @property
    def total_return(self) -> FloatArray:
        """Return of each (set, symbol) sub-account."""
        return self.final_equity / self.capital[None, :] - 1.0


@dataclass(frozen=True, slots=True)
class GridResult:
    """Per-(set, symbol) summaries of :func:`run_ema_cross_grid` (no trade lists kept)."""

    capital: FloatArray
    trade_count: IntArray
    final_equity: FloatArray
    max_drawdown: FloatArray
    bars_in_market: IntArray

    @property
    def total_return(self) -> FloatArray:
        """Return of each (set, symbol) sub-account."""
        return self.final_equity / self.capital[None, :] - 1.0


@dataclass(frozen=True, slots=True)
class FastPathSupport:
    """Whether a strategy runs on the fast path; ``reason`` says why not."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


def supports(
    strategy: object, params: Mapping[str, Any] | None = None, features: set[str] | None = None
) -> FastPathSupport:
    """Say whether ``strategy`` can run on the fast path, and why not when it cannot.

    The fast path replays a strategy's entry/exit masks with one long position per symbol.
    It cannot run a strategy that is not a :class:`Strategy`, trades short, decides from
    the open position itself (``needs_position_state``), or reads features the backtest
    does not provide.
    """
    if not isinstance(strategy, Strategy):
        return FastPathSupport(False, f"{type(strategy).__name__} is not a Strategy")
    name = strategy.name
    side = getattr(strategy, "side", Side.ENTRY_LONG)
    if side != Side.ENTRY_LONG:
        return FastPathSupport(False, f"{name} trades {side}; the fast path is long-only")
    if getattr(strategy, "needs_position_state", False):
        return FastPathSupport(
            False, f"{name} decides from the open position; use the event-driven engine"
        )
    wants = getattr(strategy, "required_features", None)
    if callable(wants) and params is not None:
        missing = sorted(set(wants(params)) - (features or set()))
        if missing:
            return FastPathSupport(False, f"{name} reads features not provided: {missing}")
    return FastPathSupport(True)


def ema_cross_signals(close: npt.ArrayLike, fast: int, slow: int) -> tuple[BoolArray, BoolArray]:
    """Return (entries, exits): EMA(fast) crossing above / below EMA(slow), TA-Lib seeded."""
    c = np.ascontiguousarray(close, dtype=np.float64)
    f, s = ema(c, fast), ema(c, slow)
    return crosses_above(f, s), crosses_below(f, s)


def _prices(
    open_: npt.ArrayLike, high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    arrs = tuple(
        np.ascontiguousarray(np.atleast_2d(a), dtype=np.float64) for a in (open_, high, low, close)
    )
    shape = arrs[3].shape
    if any(a.shape != shape or a.ndim != 2 for a in arrs):
        raise ValueError("open, high, low and close must share one (symbols, time) shape")
    return arrs[0], arrs[1], arrs[2], arrs[3]


def _per_set(
    value: npt.ArrayLike | None, default: float | None, n_sets: int, name: str
) -> FloatArray:
    """Return a (sets,) array of a stop distance; 0 means off."""
    if value is None:
        return np.full(n_sets, 0.0 if default is None else default, dtype=np.float64)
    arr = np.nan_to_num(np.asarray(value, dtype=np.float64), nan=0.0)
    arr = np.broadcast_to(arr, (n_sets,)).copy()
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (0 = off)")
    return arr


def _capital(settings: BacktestSettings, n_sym: int) -> FloatArray:
    return np.full(n_sym, settings.capital / max(n_sym, 1), dtype=np.float64)


def _stack(a: npt.ArrayLike, shape: tuple[int, int], name: str) -> npt.NDArray[np.bool_]:
    arr = np.asarray(a)
    if arr.dtype != np.bool_:
        raise ValueError(f"{name} must be a boolean array")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != shape:
        raise ValueError(f"{name} has shape {np.shape(a)}; expected {shape} or (sets, *{shape})")
    return arr


def run_signals(
    entries: npt.ArrayLike,
    exits: npt.ArrayLike,
    open_: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    settings: BacktestSettings,
    *,
    stop_loss: npt.ArrayLike | None = None,
    take_profit: npt.ArrayLike | None = None,
    keep_equity: bool = True,
) -> FastResult:
    """Backtest entry/exit masks, (symbols, time) or a (sets, symbols, time) stack.

    ``stop_loss`` / ``take_profit`` override the settings per set (0 = off). Equity curves
    (sets, symbols, time) are kept unless ``keep_equity`` is off.
    """
    o, h, lo, c = _prices(open_, high, low, close)
    ent, ext = _stack(entries, c.shape, "entries"), _stack(exits, c.shape, "exits")
    n_sets = max(ent.shape[0], ext.shape[0])
    shape3 = (n_sets, *c.shape)
    ent, ext = np.broadcast_to(ent, shape3), np.broadcast_to(ext, shape3)
    sl = _per_set(stop_loss, settings.stop_loss, n_sets, "stop_loss")
    tp = _per_set(take_profit, settings.take_profit, n_sets, "take_profit")
    if np.any(sl >= 1):
        raise ValueError("stop_loss must be below 1")
    # A trade needs an entry signal: the entry count bounds each row's trades.
    cap = ent.sum(axis=2, dtype=np.int64)
    offsets = np.zeros(cap.shape, dtype=np.int64)
    offsets.ravel()[1:] = np.cumsum(cap.ravel())[:-1]
    total = int(cap.sum())
    cols = _trade_buffers(total)
    equity = np.empty(shape3 if keep_equity else (0, 0, 0), dtype=np.float64)
    counts = np.zeros((n_sets, c.shape[0]), dtype=np.int64)
    finals = np.zeros((n_sets, c.shape[0]), dtype=np.float64)
    mdds = np.zeros_like(finals)
    bars = np.zeros_like(counts)
    capital = _capital(settings, c.shape[0])
    k.run_stack(
        ent, ext, o, h, lo, c, sl, tp, capital, settings.fraction, settings.fee,
        settings.slippage, settings.stops_on_entry_bar, settings.close_at_end, offsets,
        *cols, equity, keep_equity, counts, finals, mdds, bars,
    )  # fmt: skip
    trades = _compact(cols, offsets, counts)
    return FastResult(trades, equity if keep_equity else None, capital, counts, finals, mdds, bars)


def _trade_buffers(n: int) -> tuple[Any, ...]:
    i64 = [np.empty(n, dtype=np.int64) for _ in range(2)]
    f64 = [np.empty(n, dtype=np.float64) for _ in range(5)]
    return (*i64, *f64, np.empty(n, dtype=np.int8))


def _compact(cols: tuple[Any, ...], offsets: IntArray, counts: IntArray) -> FastTrades:
    """Keep the written prefix of each row's slice, in (set, symbol, time) order."""
    flat_off, flat_n = offsets.ravel(), counts.ravel()
    idx = np.repeat(flat_off, flat_n) + (
        np.arange(int(flat_n.sum()), dtype=np.int64) - np.repeat(np.cumsum(flat_n) - flat_n, flat_n)
    )
    owner = np.repeat(np.arange(flat_n.size, dtype=np.int64), flat_n)
    n_sym = counts.shape[1]
    picked = [col[idx] for col in cols]
    return FastTrades(owner // n_sym, owner % n_sym, *picked)


def run_ema_cross_grid(
    open_: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    fast: npt.ArrayLike,
    slow: npt.ArrayLike,
    settings: BacktestSettings,
    *,
    stop_loss: npt.ArrayLike | None = None,
    take_profit: npt.ArrayLike | None = None,
    bank_bytes: int = 16 << 20,
) -> GridResult:
    """Backtest EMA-cross parameter sets (``fast[i]``, ``slow[i]``) over every symbol.

    Each distinct period's EMA is computed once per symbol (a bank of all periods); the
    cross masks are formed inside the kernel, so no (sets, symbols, time) array is ever
    allocated. Symbols are processed in chunks whose bank fits in ``bank_bytes``.
    """
    o, h, lo, c = _prices(open_, high, low, close)
    f = np.asarray(fast, dtype=np.int64).ravel()
    s = np.asarray(slow, dtype=np.int64).ravel()
    if f.shape != s.shape:
        raise ValueError("fast and slow must have one period per set")
    periods, inverse = np.unique(np.concatenate([f, s]), return_inverse=True)
    n_sets, n_sym = len(f), c.shape[0]
    sl = _per_set(stop_loss, settings.stop_loss, n_sets, "stop_loss")
    tp = _per_set(take_profit, settings.take_profit, n_sets, "take_profit")
    counts = np.zeros((n_sets, n_sym), dtype=np.int64)
    finals = np.zeros((n_sets, n_sym), dtype=np.float64)
    mdds = np.zeros_like(finals)
    bars = np.zeros_like(counts)
    capital = _capital(settings, n_sym)
    fast_k, slow_k = inverse[:n_sets].astype(np.int64), inverse[n_sets:].astype(np.int64)
    # Symbols in chunks whose EMA bank fits in ``bank_bytes``: memory stays flat however
    # many symbols, and each symbol's bank stays in cache while every set reads it.
    per_symbol = len(periods) * c.shape[1] * 8
    step = max(1, min(n_sym, bank_bytes // max(per_symbol, 1)))
    for lo_s in range(0, n_sym, step):
        rows = slice(lo_s, min(n_sym, lo_s + step))
        close = np.ascontiguousarray(c[rows])
        bank = np.empty((close.shape[0], len(periods), c.shape[1]), dtype=np.float64)
        for i, period in enumerate(periods):
            bank[:, i, :] = ema(close, int(period))
        k.run_ema_grid(
            bank, fast_k, slow_k, o[rows], h[rows], lo[rows], close, sl, tp, capital[rows],
            settings.fraction, settings.fee, settings.slippage, settings.stops_on_entry_bar,
            settings.close_at_end, counts[:, rows], finals[:, rows], mdds[:, rows],
            bars[:, rows],
        )  # fmt: skip
    return GridResult(capital, counts, finals, mdds, bars)
