"""The fast path's fill model, replayed one bar at a time across all symbols.

:class:`FastPathCompatible` holds one long sub-account per symbol and applies, bar by bar,
the rules stated in :mod:`simbiot.backtest.fastpath` with the same arithmetic in the same
order, so its trades equal the fast path's: orders from bar ``t``'s signals fill at bar
``t + 1``'s open (an exit beats an entry, a missing candle drops the order), stops are
levels from the entry fill checked inside each bar with the stop-loss winning a tie and
a held position's stop coming before the signal exit pending at the open, the
fee is charged on every fill, capital is split equally and an entry spends ``fraction``
of the symbol's cash. Each step is vectorised across symbols; only time is a loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simbiot.backtest.fastpath import REASONS
from simbiot.backtest.settings import BacktestSettings

__all__ = ["BarFills", "FastPathCompatible"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

_SIGNAL, _STOP_LOSS, _TAKE_PROFIT, _END = (
    REASONS.index(r) for r in ("signal", "stop_loss", "take_profit", "end")
)


@dataclass(frozen=True, slots=True)
class BarFills:
    """Round trips closed on one bar, as columns (``row`` is the symbol's row)."""

    row: IntArray
    entry_index: IntArray
    exit_index: IntArray
    entry_price: FloatArray
    exit_price: FloatArray
    amount: FloatArray
    entry_fee: FloatArray
    exit_fee: FloatArray
    reason: IntArray


class FastPathCompatible:
    """Per-symbol long sub-accounts filled by the fast path's rules, one bar per call."""

    def __init__(self, settings: BacktestSettings, n_symbols: int) -> None:
        self._fee = settings.fee
        self._slip = settings.slippage
        self._fraction = settings.fraction
        self._sl = settings.stop_loss or 0.0
        self._tp = settings.take_profit or 0.0
        self._stops_on_entry_bar = settings.stops_on_entry_bar
        self._close_at_end = settings.close_at_end
        self.capital = np.full(n_symbols, settings.capital / max(n_symbols, 1))
        self.cash = self.capital.copy()
        self.amount = np.zeros(n_symbols)
        self.in_pos = np.zeros(n_symbols, dtype=np.bool_)
        self.entry_index = np.full(n_symbols, -1, dtype=np.int64)
        self.entry_price = np.zeros(n_symbols)
        self.entry_fee = np.zeros(n_symbols)
        self.sl_price = np.full(n_symbols, -1.0)
        self.tp_price = np.full(n_symbols, math.inf)
        self.last_close = np.full(n_symbols, math.nan)
        self.last_valid = np.full(n_symbols, -1, dtype=np.int64)
        self.bars_in_market = np.zeros(n_symbols, dtype=np.int64)
        self._want_entry = np.zeros(n_symbols, dtype=np.bool_)
        self._want_exit = np.zeros(n_symbols, dtype=np.bool_)

    def on_bar(
        self,
        t: int,
        o: FloatArray,
        h: FloatArray,
        lo: FloatArray,
        c: FloatArray,
        entry: BoolArray,
        exit_: BoolArray,
    ) -> tuple[BarFills, FloatArray]:
        """Fill the orders pending from bar ``t - 1`` inside bar ``t``, then read its signals.

        ``entry`` / ``exit_`` are the strategy's signals at the close of bar ``t`` only.
        Return the trades closed in this bar and every sub-account's equity at its close.
        """
        valid = np.isfinite(o) & np.isfinite(h) & np.isfinite(lo) & np.isfinite(c)
        held = self.in_pos & valid
        exit_px = np.full(len(c), math.nan)
        reason = np.full(len(c), _SIGNAL, dtype=np.int64)
        # Held positions: stops first, then the signal exit pending at the open.
        self._stops(held, o, h, lo, exit_px, reason)
        sig_exit = held & np.isnan(exit_px) & self._want_exit
        exit_px[sig_exit] = o[sig_exit] * (1.0 - self._slip)
        entering = valid & ~self.in_pos & self._want_entry
        self._enter(t, entering, o)
        if self._stops_on_entry_bar:
            self._stops(entering, o, h, lo, exit_px, reason)
        held |= entering
        fills = self._close(t, valid & self.in_pos & ~np.isnan(exit_px), exit_px, reason)
        self.bars_in_market += held
        self._want_exit = valid & exit_
        self._want_entry = valid & entry & ~exit_
        self.last_close = np.where(valid, c, self.last_close)
        self.last_valid = np.where(valid, t, self.last_valid)
        return fills, self.equity()

    def equity(self) -> FloatArray:
        """Return each sub-account's cash plus its position at the last close."""
        return np.where(self.in_pos, self.cash + self.amount * self.last_close, self.cash)

    def finish(self) -> BarFills:
        """Close what is still open at each symbol's last close (when ``close_at_end``)."""
        closing = self.in_pos & self._close_at_end
        price = self.last_close.copy()
        reason = np.full(len(price), _END, dtype=np.int64)
        return self._close(self.last_valid, closing, price, reason)

    def _enter(self, t: int, mask: BoolArray, o: FloatArray) -> None:
        px = o[mask] * (1.0 + self._slip)
        spend = self.cash[mask] * self._fraction
        amount = spend / (px * (1.0 + self._fee))
        fee = amount * px * self._fee
        self.cash[mask] -= amount * px + fee
        self.amount[mask] = amount
        self.in_pos[mask] = True
        self.entry_index[mask] = t
        self.entry_price[mask] = px
        self.entry_fee[mask] = fee
        self.sl_price[mask] = px * (1.0 - self._sl) if self._sl > 0.0 else -1.0
        self.tp_price[mask] = px * (1.0 + self._tp) if self._tp > 0.0 else math.inf

    def _stops(
        self,
        mask: BoolArray,
        o: FloatArray,
        h: FloatArray,
        lo: FloatArray,
        exit_px: FloatArray,
        reason: IntArray,
    ) -> None:
        sl, tp = self.sl_price, self.tp_price
        # Checked in the kernel's order; each case only where no earlier one fired.
        cases = (
            (o <= sl, o * (1.0 - self._slip), _STOP_LOSS),
            (lo <= sl, sl * (1.0 - self._slip), _STOP_LOSS),
            (o >= tp, o, _TAKE_PROFIT),
            (h >= tp, tp, _TAKE_PROFIT),
        )
        left = mask.copy()
        for hit, price, code in cases:
            take = left & hit
            exit_px[take] = price[take]
            reason[take] = code
            left &= ~take

    def _close(
        self, t: int | IntArray, mask: BoolArray, exit_px: FloatArray, reason: IntArray
    ) -> BarFills:
        rows = np.flatnonzero(mask).astype(np.int64)
        amount = self.amount[rows]
        proceeds = amount * exit_px[rows]
        xfee = proceeds * self._fee
        self.cash[rows] += proceeds - xfee
        exit_index = np.broadcast_to(np.asarray(t, dtype=np.int64), mask.shape)[rows]
        fills = BarFills(
            rows, self.entry_index[rows].copy(), exit_index.copy(),
            self.entry_price[rows].copy(), exit_px[rows].copy(), amount.copy(),
            self.entry_fee[rows].copy(), xfee, reason[rows].copy(),
        )  # fmt: skip
        self.in_pos[rows] = False
        self.amount[rows] = 0.0
        return fills
