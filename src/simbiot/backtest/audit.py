"""Automatic check of every trade of a backtest against the candles it claims (B2).

Each trade must:

- name a symbol of the frame, and fill on candles that exist (``no_candle``);
- fill inside its candle's [low, high], widened by the slippage rate (``price_outside_candle``);
- come after its data: the entry fills after the candle of its signal, which itself
  has data, and the exit does not come before the entry (``look_ahead``);
- have consistent arithmetic: ``fee = rate × amount × (entry + exit)`` and
  ``pnl = amount × (exit − entry) − fee`` (``fee_mismatch``, ``pnl_mismatch``), with a
  positive amount and prices (``bad_values``);
- not overlap another position on the same symbol unless allowed (``overlap``);
- leave the account's cash never negative when trades are replayed in time order
  (``negative_balance``); each symbol trades its own equal share of the capital unless
  ``shared_cash`` is set.

The final equity must also equal the capital plus the trades' pnl when positions are closed
at the end (``equity_mismatch``). Every violation names the trade.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simbiot.backtest.result import BacktestResult
from simbiot.backtest.trades import Trade
from simbiot.domain.frame import MarketFrame

__all__ = ["AuditReport", "Violation", "audit_trades"]

_REL = 1e-9


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule; ``trade`` is None for a rule about the whole result."""

    kind: str
    message: str
    trade: Trade | None = None

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "kind": self.kind,
            "message": self.message,
            "trade": None if self.trade is None else self.trade.to_json(),
        }


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The outcome of :func:`audit_trades`."""

    trades_checked: int
    violations: Sequence[Violation] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def counts(self) -> dict[str, int]:
        """Return the number of violations of each kind."""
        return dict(Counter(v.kind for v in self.violations))

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "ok": self.ok,
            "trades_checked": self.trades_checked,
            "counts": self.counts(),
            "violations": [v.to_json() for v in self.violations],
        }


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= _REL * max(1.0, abs(scale))


class _Auditor:
    def __init__(self, frame: MarketFrame, fee: float, slippage: float) -> None:
        self.frame = frame
        self.fee = fee
        self.tol = slippage + _REL
        self.col = {int(t): j for j, t in enumerate(frame.timestamp)}
        self.out: list[Violation] = []

    def flag(self, kind: str, message: str, trade: Trade | None) -> None:
        self.out.append(Violation(kind, message, trade))

    def _candle(self, row: int, ts: int) -> tuple[float, float] | None:
        j = self.col.get(ts)
        if j is None:
            return None
        lo, hi = float(self.frame.low[row, j]), float(self.frame.high[row, j])
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return None
        return lo, hi

    def trade(self, t: Trade) -> None:
        try:
            row = self.frame.index(t.symbol)
        except KeyError:
            self.flag("no_candle", f"symbol {t.symbol} is not in the frame", t)
            return
        if not (t.amount > 0 and t.entry_price > 0 and t.exit_price > 0) or not all(
            math.isfinite(x) for x in (t.amount, t.entry_price, t.exit_price, t.fee, t.pnl)
        ):
            self.flag("bad_values", "amount and prices must be positive and finite", t)
            return
        self._prices(row, t)
        self._timing(row, t)
        expected_fee = self.fee * t.amount * (t.entry_price + t.exit_price)
        if not _close(t.fee, expected_fee, expected_fee):
            self.flag("fee_mismatch", f"fee {t.fee:.10g} != {expected_fee:.10g}", t)
        expected_pnl = t.amount * (t.exit_price - t.entry_price) - t.fee
        if not _close(t.pnl, expected_pnl, t.amount * t.entry_price):
            self.flag("pnl_mismatch", f"pnl {t.pnl:.10g} != {expected_pnl:.10g}", t)

    def _prices(self, row: int, t: Trade) -> None:
        for what, ts, price in (
            ("entry", t.entry_time, t.entry_price),
            ("exit", t.exit_time, t.exit_price),
        ):
            candle = self._candle(row, ts)
            if candle is None:
                self.flag("no_candle", f"{what} at {ts} has no candle for {t.symbol}", t)
                continue
            lo, hi = candle
            if not (lo * (1 - self.tol) <= price <= hi * (1 + self.tol)):
                self.flag(
                    "price_outside_candle",
                    f"{what} price {price:.10g} outside [{lo:.10g}, {hi:.10g}] at {ts}",
                    t,
                )

    def _timing(self, row: int, t: Trade) -> None:
        if t.exit_time < t.entry_time:
            self.flag("look_ahead", f"exit {t.exit_time} before entry {t.entry_time}", t)
        if t.signal_time is None:
            return
        if t.signal_time >= t.entry_time:
            self.flag("look_ahead", f"entry {t.entry_time} not after its signal {t.signal_time}", t)
        elif self._candle(row, t.signal_time) is None:
            self.flag("look_ahead", f"signal at {t.signal_time} has no data for {t.symbol}", t)


def _overlaps(trades: Sequence[Trade]) -> list[Violation]:
    out = []
    by_symbol: dict[str, list[Trade]] = defaultdict(list)
    for t in trades:
        by_symbol[t.symbol].append(t)
    for sym, ts in by_symbol.items():
        ts = sorted(ts, key=lambda t: (t.entry_time, t.exit_time))
        open_until = -math.inf
        for t in ts:
            if t.entry_time < open_until:
                out.append(Violation("overlap", f"{sym} position opened while another was open", t))
            open_until = max(open_until, t.exit_time)
    return out


def _balances(
    trades: Sequence[Trade], accounts: dict[str, float], fee: float, shared: bool
) -> list[Violation]:
    """Replay entries and exits in time order (exits first at one time); flag negative cash."""
    events = []
    for i, t in enumerate(trades):
        entry_fee = fee * t.amount * t.entry_price
        events.append((t.entry_time, 1, i, -(t.amount * t.entry_price + entry_fee)))
        events.append((t.exit_time, 0, i, t.amount * t.entry_price + entry_fee + t.pnl))
    cash = dict(accounts)
    out = []
    for _, kind, i, delta in sorted(events):
        key = "*" if shared else trades[i].symbol
        cash[key] = cash.get(key, 0.0) + delta
        if kind == 1 and cash[key] < -_REL * max(1.0, abs(delta)):
            out.append(
                Violation("negative_balance", f"cash {cash[key]:.10g} after the entry", trades[i])
            )
    return out


def audit_trades(
    result: BacktestResult,
    frame: MarketFrame,
    *,
    allow_overlap: bool = False,
    shared_cash: bool = False,
    fee: float | None = None,
    slippage: float | None = None,
    capital: float | None = None,
) -> AuditReport:
    """Check every trade of ``result`` against ``frame``; return all violations found.

    ``fee``, ``slippage`` and ``capital`` default to the result's settings.
    """
    s = result.settings
    fee_rate = float(s.get("fee", 0.0) if fee is None else fee)
    slip = float(s.get("slippage", 0.0) if slippage is None else slippage)
    cap = float(s.get("capital", 0.0) if capital is None else capital)
    auditor = _Auditor(frame, fee_rate, slip)
    for t in result.trades:
        auditor.trade(t)
    out = auditor.out
    if not allow_overlap:
        out.extend(_overlaps(result.trades))
    n = max(len(result.symbols), 1)
    accounts = {"*": cap} if shared_cash else dict.fromkeys(result.symbols, cap / n)
    out.extend(_balances(result.trades, accounts, fee_rate, shared_cash))
    if s.get("close_at_end", False) and len(result.equity):
        expected = cap + float(np.sum([t.pnl for t in result.trades]))
        final = float(result.equity[-1])
        # Summing thousands of trades drifts by rounding: a relative 1e-7 of the capital is exact enough.
        if abs(final - expected) > 1e-7 * max(1.0, cap):
            out.append(
                Violation(
                    "equity_mismatch", f"final equity {final:.10g} != capital + pnl {expected:.10g}"
                )
            )
    return AuditReport(len(result.trades), tuple(out))
