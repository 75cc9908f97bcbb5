"""The trade record shared by the fast path, the event-driven engine, paper and live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.backtest.fastpath import REASONS, FastTrades

__all__ = ["Trade", "trades_from_fast", "trades_to_columns"]


@dataclass(frozen=True, slots=True)
class Trade:
    """One closed round trip on one symbol.

    Times are candle open times in milliseconds (UTC): ``entry_time`` is the candle of the
    entry fill, ``exit_time`` the candle of the exit fill, ``signal_time`` the candle whose
    close produced the entry signal (None when unknown). ``fee`` covers both fills and
    ``pnl`` is net of it, in quote currency.
    """

    symbol: str
    side: str
    entry_time: int
    exit_time: int
    entry_price: float
    exit_price: float
    amount: float
    fee: float
    pnl: float
    reason: str
    signal_time: int | None = None

    @property
    def notional(self) -> float:
        """Quote value bought at entry."""
        return self.amount * self.entry_price

    @property
    def return_pct(self) -> float:
        """Net return on the notional bought (pnl after both fees / amount × entry price)."""
        cost = self.notional
        return self.pnl / cost if cost > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Trade:
        """Rebuild a trade from :meth:`to_json`; raise ValueError on a malformed document."""
        try:
            sig = doc.get("signal_time")
            return cls(
                str(doc["symbol"]), str(doc["side"]), int(doc["entry_time"]),
                int(doc["exit_time"]), float(doc["entry_price"]), float(doc["exit_price"]),
                float(doc["amount"]), float(doc["fee"]), float(doc["pnl"]), str(doc["reason"]),
                None if sig is None else int(sig),
            )  # fmt: skip
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed trade document: {exc}") from exc


def trades_from_fast(
    fast: FastTrades,
    symbols: Sequence[str],
    timestamp: npt.NDArray[np.int64],
    set_index: int = 0,
) -> list[Trade]:
    """Return the trades of parameter set ``set_index`` as records, by symbol then time."""
    pick = np.flatnonzero(fast.set_index == set_index)
    pnl, fee = fast.pnl[pick], fast.fee[pick]
    out = []
    for j, i in enumerate(pick):
        e, x = int(fast.entry_index[i]), int(fast.exit_index[i])
        out.append(
            Trade(
                symbols[int(fast.row[i])], "long", int(timestamp[e]), int(timestamp[x]),
                float(fast.entry_price[i]), float(fast.exit_price[i]), float(fast.amount[i]),
                float(fee[j]), float(pnl[j]), REASONS[int(fast.reason[i])],
                int(timestamp[e - 1]) if e > 0 else None,
            )
        )  # fmt: skip
    return out


def trades_to_columns(trades: Sequence[Trade]) -> dict[str, npt.NDArray[Any]]:
    """Return the numeric fields of ``trades`` as arrays (what metrics compute on)."""
    n = len(trades)
    return {
        "entry_time": np.fromiter((t.entry_time for t in trades), np.int64, n),
        "exit_time": np.fromiter((t.exit_time for t in trades), np.int64, n),
        "pnl": np.fromiter((t.pnl for t in trades), np.float64, n),
        "fee": np.fromiter((t.fee for t in trades), np.float64, n),
        "notional": np.fromiter((t.notional for t in trades), np.float64, n),
    }
