# mypy: allow-untyped-defs
"""The numba simulation of one long-only position per (parameter set, symbol).

Conventions (shared with the reference loop in the tests and stated in ``fastpath``):

- A signal is read at the close of bar ``t``; its order fills at the open of bar ``t + 1``.
  An order whose fill bar has no candle (NaN) is dropped.
- Exit beats entry when both are set on one bar.
- Market fills (entries, signal exits, stop-losses) pay ``slippage`` against the trader;
  take-profits are limit orders and fill at their level (or at a better open).
- Stops are levels from the entry fill price, checked inside each bar: a bar opening
  beyond a level fills at the open (gap), otherwise at the level when the bar's range
  reaches it. Stop-loss has priority when one bar reaches both.
- A stop reached on a bar comes first: the signal exit pending at that bar's open is
  dropped and the position leaves at the stop (vectorbt's ``from_signals`` rule).
- The fee rate applies to the notional of every fill; an entry spends ``fraction`` of the
  cash, fee included, so cash never goes negative.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

REASON_SIGNAL = 0
REASON_STOP_LOSS = 1
REASON_TAKE_PROFIT = 2
REASON_END = 3

# Typed as Any: the compiled dispatchers take numpy arrays of several layouts.
_jit: Any = numba.njit(cache=True, fastmath=False, nogil=True)


@_jit
def stop_exit(ot, ht, lt, sl_px, tp_px, slip):  # fmt: skip
    """Return (fill price, reason) of the stop a bar reaches, or (NaN, REASON_SIGNAL)."""
    if ot <= sl_px:
        return ot * (1.0 - slip), REASON_STOP_LOSS
    if lt <= sl_px:
        return sl_px * (1.0 - slip), REASON_STOP_LOSS
    if ot >= tp_px:
        return ot, REASON_TAKE_PROFIT
    if ht >= tp_px:
        return tp_px, REASON_TAKE_PROFIT
    return math.nan, REASON_SIGNAL


@_jit
def simulate_row(
    entry, exit_, o, h, lo, c, capital, fraction, fee, slip, sl, tp,
    stops_on_entry_bar, close_at_end, base,
    t_entry_i, t_exit_i, t_entry_px, t_exit_px, t_amount, t_entry_fee, t_exit_fee, t_reason,
    equity, keep_equity,
):  # fmt: skip
    """Simulate one row; write trades from index ``base``; return (trades, final, mdd, bars)."""
    n = 0
    cash = capital
    amount = 0.0
    in_pos = False
    want_entry = False
    want_exit = False
    entry_i = -1
    entry_px = 0.0
    entry_fee = 0.0
    sl_px = -1.0
    tp_px = math.inf
    last_close = math.nan
    last_valid = -1
    peak = capital
    mdd = 0.0
    bars_in = 0
    for t in range(c.shape[0]):
        ot, ht, lt, ct = o[t], h[t], lo[t], c[t]
        if not (
            math.isfinite(ot) and math.isfinite(ht) and math.isfinite(lt) and math.isfinite(ct)
        ):
            want_entry = False
            want_exit = False
            eq = cash + amount * last_close if in_pos else cash
            if keep_equity:
                equity[t] = eq
            continue
        last_valid = t
        held = in_pos
        exit_px = math.nan
        reason = REASON_SIGNAL
        if in_pos:
            # A held position's stops come before the signal exit pending at the open.
            exit_px, reason = stop_exit(ot, ht, lt, sl_px, tp_px, slip)
            if math.isnan(exit_px) and want_exit:
                exit_px = ot * (1.0 - slip)
        elif want_entry:
            px = ot * (1.0 + slip)
            spend = cash * fraction
            amount = spend / (px * (1.0 + fee))
            entry_fee = amount * px * fee
            cash -= amount * px + entry_fee
            in_pos = True
            held = True
            entry_i = t
            entry_px = px
            sl_px = px * (1.0 - sl) if sl > 0.0 else -1.0
            tp_px = px * (1.0 + tp) if tp > 0.0 else math.inf
            if stops_on_entry_bar:
                exit_px, reason = stop_exit(ot, ht, lt, sl_px, tp_px, slip)
        if in_pos and not math.isnan(exit_px):
            proceeds = amount * exit_px
            xfee = proceeds * fee
            cash += proceeds - xfee
            k = base + n
            t_entry_i[k] = entry_i
            t_exit_i[k] = t
            t_entry_px[k] = entry_px
            t_exit_px[k] = exit_px
            t_amount[k] = amount
            t_entry_fee[k] = entry_fee
            t_exit_fee[k] = xfee
            t_reason[k] = reason
            n += 1
            in_pos = False
            amount = 0.0
        if held:
            bars_in += 1
        want_exit = exit_[t]
        want_entry = entry[t] and not want_exit
        last_close = ct
        eq = cash + amount * ct if in_pos else cash
        if keep_equity:
            equity[t] = eq
        if eq > peak:
            peak = eq
        elif peak > 0.0 and 1.0 - eq / peak > mdd:
            mdd = 1.0 - eq / peak
    final = cash + amount * last_close if in_pos else cash
    if in_pos and close_at_end:
        proceeds = amount * last_close
        xfee = proceeds * fee
        cash += proceeds - xfee
        k = base + n
        t_entry_i[k] = entry_i
        t_exit_i[k] = last_valid
        t_entry_px[k] = entry_px
        t_exit_px[k] = last_close
        t_amount[k] = amount
        t_entry_fee[k] = entry_fee
        t_exit_fee[k] = xfee
        t_reason[k] = REASON_END
        n += 1
        final = cash
        if keep_equity:
            for t in range(last_valid, c.shape[0]):
                equity[t] = final
        if peak > 0.0 and 1.0 - final / peak > mdd:
            mdd = 1.0 - final / peak
    return n, final, mdd, bars_in


@_jit
def run_stack(
    entries, exits, o, h, lo, c, sl, tp, capital, fraction, fee, slip,
    stops_on_entry_bar, close_at_end, offsets,
    t_entry_i, t_exit_i, t_entry_px, t_exit_px, t_amount, t_entry_fee, t_exit_fee, t_reason,
    equity, keep_equity, counts, finals, mdds, bars,
):  # fmt: skip
    """Simulate every (set, symbol) of a 3-D signal stack; fill the per-row summaries."""
    n_sets, n_sym = counts.shape
    dummy = np.empty(0, dtype=np.float64)
    for p in range(n_sets):
        for s in range(n_sym):
            eq_row = equity[p, s] if keep_equity else dummy
            n, fin, mdd, b = simulate_row(
                entries[p, s], exits[p, s], o[s], h[s], lo[s], c[s], capital[s], fraction,
                fee, slip, sl[p], tp[p], stops_on_entry_bar, close_at_end, offsets[p, s],
                t_entry_i, t_exit_i, t_entry_px, t_exit_px, t_amount, t_entry_fee,
                t_exit_fee, t_reason, eq_row, keep_equity,
            )  # fmt: skip
            counts[p, s] = n
            finals[p, s] = fin
            mdds[p, s] = mdd
            bars[p, s] = b


@_jit
def run_ema_grid(
    bank, fast_k, slow_k, o, h, lo, c, sl, tp, capital, fraction, fee, slip,
    stops_on_entry_bar, close_at_end, counts, finals, mdds, bars,
):  # fmt: skip
    """Simulate EMA-cross sets read from an EMA bank (symbols, periods, time); summaries only.

    Symbols are the outer loop so one symbol's bank stays in cache across every set.

    The cross rule is ``simbiot.signals.ops.crosses_above/below``: now strictly beyond,
    the bar before at or on the other side; NaN never crosses.
    """
    n_sets, n_sym = counts.shape
    n_t = c.shape[1]
    ent = np.zeros(n_t, dtype=np.bool_)
    ext = np.zeros(n_t, dtype=np.bool_)
    cap = n_t // 2 + 2
    ei = np.empty(cap, dtype=np.int64)
    xi = np.empty(cap, dtype=np.int64)
    f1 = np.empty(cap, dtype=np.float64)
    f2 = np.empty(cap, dtype=np.float64)
    f3 = np.empty(cap, dtype=np.float64)
    f4 = np.empty(cap, dtype=np.float64)
    f5 = np.empty(cap, dtype=np.float64)
    rs = np.empty(cap, dtype=np.int8)
    dummy = np.empty(0, dtype=np.float64)
    for s in range(n_sym):
        for p in range(n_sets):
            fa = bank[s, fast_k[p]]
            sa = bank[s, slow_k[p]]
            ent[0] = False
            ext[0] = False
            for t in range(1, n_t):
                ent[t] = fa[t] > sa[t] and fa[t - 1] <= sa[t - 1]
                ext[t] = fa[t] < sa[t] and fa[t - 1] >= sa[t - 1]
            n, fin, mdd, b = simulate_row(
                ent, ext, o[s], h[s], lo[s], c[s], capital[s], fraction, fee, slip, sl[p],
                tp[p], stops_on_entry_bar, close_at_end, 0, ei, xi, f1, f2, f3, f4, f5, rs,
                dummy, False,
            )  # fmt: skip
            counts[p, s] = n
            finals[p, s] = fin
            mdds[p, s] = mdd
            bars[p, s] = b
