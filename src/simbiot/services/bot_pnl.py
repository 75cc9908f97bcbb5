"""A bot's profit and loss from its own fills, with the backtests' performance figures.

Fills are replayed per symbol into lots (spot, long): a buy opens or adds to the lot at
its volume-weighted price, a sell closes part or all of it as one :class:`Trade` carrying
the share of the entry fee the sold amount bought, as the event-driven backtest books
them. Definitions:

- ``realised``: the closed trades' pnl, net of both fees;
- ``unrealised``: the open lots at the last price minus their cost (entry fees excluded:
  they are in ``fees`` already);
- ``fees``: every fill's fee;
- ``metrics``: :func:`simbiot.backtest.metrics.compute_metrics` over the bot's recorded
  equity marks and its closed trades, the same code that scores backtests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from simbiot.backtest.metrics import Metrics, compute_metrics_async
from simbiot.backtest.trades import Trade
from simbiot.storage.tables import EquityMarkRow, FillRow

__all__ = ["BotPnl", "OpenLot", "bot_pnl", "trades_from_fills"]

ZERO = Decimal(0)


@dataclass(slots=True)
class OpenLot:
    """What a bot holds of one symbol: amount, average entry price, unspent entry fee."""

    amount: Decimal
    price: Decimal
    fee: Decimal
    opened_ms: int


@dataclass(frozen=True, slots=True)
class BotPnl:
    """A bot's figures; ``metrics`` is None before the bot has two equity marks."""

    realised: Decimal
    unrealised: Decimal
    fees: Decimal
    trades: int
    open_lots: Mapping[str, OpenLot] = field(default_factory=dict)
    metrics: Metrics | None = None

    @property
    def total(self) -> Decimal:
        return self.realised + self.unrealised


def _ms(fill: FillRow) -> int:
    return int(fill.ts.timestamp() * 1000)


def trades_from_fills(
    fills: Sequence[FillRow],
) -> tuple[list[Trade], dict[str, OpenLot], Decimal]:
    """Replay fills (booking order) into closed trades, the lots still open and the
    realised pnl in exact decimals (the float trades feed the metrics)."""
    lots: dict[str, OpenLot] = {}
    trades: list[Trade] = []
    realised = ZERO
    for f in fills:
        lot = lots.get(f.symbol)
        if f.side == "buy":
            if lot is None:
                lots[f.symbol] = OpenLot(f.amount, f.price, f.fee, _ms(f))
            else:
                total = lot.amount + f.amount
                lot.price = (lot.price * lot.amount + f.price * f.amount) / total
                lot.amount, lot.fee = total, lot.fee + f.fee
            continue
        if lot is None or lot.amount <= 0:
            continue  # a sell of something this bot never bought: not its trade
        amount = min(f.amount, lot.amount)
        entry_fee = lot.fee * amount / lot.amount
        fee = entry_fee + f.fee
        pnl = amount * (f.price - lot.price) - fee
        realised += pnl
        trades.append(
            Trade(
                f.symbol, "long", lot.opened_ms, max(_ms(f), lot.opened_ms), float(lot.price),
                float(f.price), float(amount), float(fee), float(pnl), "signal",
            )
        )  # fmt: skip
        if amount >= lot.amount:
            del lots[f.symbol]
        else:
            lot.amount, lot.fee = lot.amount - amount, lot.fee - entry_fee
    return trades, lots, realised


def _curve(marks: Sequence[EquityMarkRow]) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps (ms, strictly increasing: the last mark of a millisecond wins) and equity."""
    by_ms: dict[int, float] = {}
    for m in marks:
        by_ms[int(m.ts.timestamp() * 1000)] = max(float(m.equity), 0.0)
    ts = np.array(sorted(by_ms), dtype=np.int64)
    return ts, np.array([by_ms[int(t)] for t in ts], dtype=np.float64)


async def bot_pnl(
    fills: Sequence[FillRow],
    marks: Sequence[EquityMarkRow],
    prices: Mapping[str, Decimal],
) -> BotPnl:
    """Return the bot's figures from its fills, its equity marks and the last prices."""
    trades, lots, realised = trades_from_fills(fills)
    unrealised = sum(
        (lot.amount * (prices.get(sym, lot.price) - lot.price) for sym, lot in lots.items()),
        ZERO,
    )
    fees = sum((f.fee for f in fills), ZERO)
    metrics: Metrics | None = None
    ts, eq = _curve(marks)
    if len(ts) >= 2:
        metrics = await compute_metrics_async(ts, eq, trades)
    return BotPnl(realised, unrealised, fees, len(trades), lots, metrics)
