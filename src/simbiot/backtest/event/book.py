"""Turn the ledger's paper fills into :class:`Trade` records and per-symbol equity.

Each sell closes part or all of the symbol's open lot: one trade per sell, carrying the
lot's entry price and the share of its entry fee that the sold amount bought, so the
audit's fee and pnl identities hold for partial closes too. Equity of a symbol is its
share of the capital plus its realised pnl plus the open lot marked at the close.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from simbiot.backtest.trades import Trade
from simbiot.domain.frame import MarketFrame
from simbiot.storage.database import Database
from simbiot.storage.tables import FillRow, OrderRow

__all__ = ["Fill", "FillBook", "new_fills"]


@dataclass(frozen=True, slots=True)
class Fill:
    """One paper fill as the ledger booked it; ``ts_ms`` is its time on the replay's clock."""

    id: int
    client_order_id: str
    symbol: str
    side: str
    price: float
    amount: float
    fee: float
    ts_ms: int = 0


async def new_fills(db: Database, after_id: int, account_ref: str) -> list[Fill]:
    """Return the account's fills booked after fill ``after_id``, in booking order."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(
                FillRow.id, OrderRow.client_order_id, FillRow.symbol, FillRow.side,
                FillRow.price, FillRow.amount, FillRow.fee, FillRow.ts,
            )
            .join(OrderRow, OrderRow.id == FillRow.order_id)
            .where(FillRow.id > after_id, FillRow.account_ref == account_ref)
            .order_by(FillRow.id)
        )  # fmt: skip
        return [
            Fill(
                int(i), str(cid), str(s), str(side), float(p), float(a), float(f),
                round(ts.timestamp() * 1000),
            )
            for i, cid, s, side, p, a, f, ts in rows
        ]  # fmt: skip


@dataclass(slots=True)
class _Lot:
    entry_index: int
    amount: float
    price: float
    fee: float


class FillBook:
    """Open lots, closed trades and realised pnl per symbol of one replay."""

    def __init__(self, frame: MarketFrame, capital: float) -> None:
        self._frame = frame
        self._row = {s: i for i, s in enumerate(frame.symbols)}
        self._lots: dict[str, _Lot] = {}
        self.realised = np.zeros(len(frame.symbols))
        self.share = capital / max(len(frame.symbols), 1)
        self.trades: list[Trade] = []
        # (bar, symbol, side, price, amount, fee, fill time in ms) in booking order.
        self.fills: list[tuple[int, str, str, float, float, float, int]] = []
        self.last_id = 0

    def book(
        self, fills: list[Fill], t: int, reason_of: dict[str, str], default: str = "signal"
    ) -> None:
        """Apply fills made at bar ``t``; a sell's reason is ``reason_of[client order id]``."""
        for f in fills:
            self.last_id = max(self.last_id, f.id)
            self.fills.append((t, f.symbol, f.side, f.price, f.amount, f.fee, f.ts_ms))
            if f.side == "buy":
                self._buy(f, t)
            else:
                self._sell(f, t, reason_of.get(f.client_order_id, default))

    def _buy(self, f: Fill, t: int) -> None:
        lot = self._lots.get(f.symbol)
        if lot is None:
            self._lots[f.symbol] = _Lot(t, f.amount, f.price, f.fee)
            return
        # Added to a held position: one lot at the volume-weighted price.
        total = lot.amount + f.amount
        lot.price = (lot.price * lot.amount + f.price * f.amount) / total
        lot.amount, lot.fee = total, lot.fee + f.fee

    def _sell(self, f: Fill, t: int, reason: str) -> None:
        lot = self._lots.get(f.symbol)
        if lot is None or lot.amount <= 0:
            raise ValueError(f"a sell of {f.symbol} with no position booked")
        before = lot.amount
        amount = min(f.amount, before)
        entry_fee = lot.fee * amount / before
        fee = entry_fee + f.fee
        pnl = amount * (f.price - lot.price) - fee
        ts = self._frame.timestamp
        e = lot.entry_index
        self.trades.append(
            Trade(
                f.symbol, "long", int(ts[e]), int(ts[t]), lot.price, f.price, amount, fee, pnl,
                reason, int(ts[e - 1]) if e > 0 else None,
            )
        )  # fmt: skip
        self.realised[self._row[f.symbol]] += pnl
        if f.amount >= before * (1.0 - 1e-12):
            del self._lots[f.symbol]
        else:
            lot.amount, lot.fee = before - amount, lot.fee - entry_fee

    def open_symbols(self) -> list[str]:
        """Return the symbols with an open lot."""
        return list(self._lots)

    def equity(self, close: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Return each symbol's equity with open lots marked at ``close`` (last known)."""
        eq = self.share + self.realised
        for sym, lot in self._lots.items():
            px = close[self._row[sym]]
            eq[self._row[sym]] += lot.amount * (px - lot.price) - lot.fee
        return eq
