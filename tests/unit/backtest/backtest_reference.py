"""A plain-Python backtest loop written from the fast path's stated conventions.

It shares no code with the kernel, so agreement between the two is evidence that the
kernel does what the documentation says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class RefTrade:
    entry_index: int
    exit_index: int
    entry_price: float
    exit_price: float
    amount: float
    fee: float
    reason: str


def _stop(
    entry_price: float,
    bar: tuple[float, float, float, float],
    stop_loss: float,
    take_profit: float,
    slippage: float,
) -> tuple[float, str] | None:
    """Return (price, reason) of the stop level one bar reaches, stop-loss first."""
    o, h, lo, _ = bar
    stop = entry_price * (1 - stop_loss) if stop_loss > 0 else None
    take = entry_price * (1 + take_profit) if take_profit > 0 else None
    if stop is not None and o <= stop:
        return (o * (1 - slippage), "stop_loss")
    if stop is not None and lo <= stop:
        return (stop * (1 - slippage), "stop_loss")
    if take is not None and o >= take:
        return (o, "take_profit")
    if take is not None and h >= take:
        return (take, "take_profit")
    return None


def reference_row(
    entry: np.ndarray,
    exit_: np.ndarray,
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    *,
    capital: float,
    fraction: float = 1.0,
    fee: float = 0.0,
    slippage: float = 0.0,
    stop_loss: float = 0.0,
    take_profit: float = 0.0,
    stops_on_entry_bar: bool = True,
    close_at_end: bool = True,
) -> tuple[list[RefTrade], list[float]]:
    """Return the trades and the equity at every bar's close."""
    trades: list[RefTrade] = []
    equity: list[float] = []
    cash, amount = capital, 0.0
    position: dict[str, float] | None = None
    pending: str | None = None
    last_close = math.nan
    last_valid = -1
    for t in range(len(c)):
        bar = (o[t], h[t], lo[t], c[t])
        if not all(math.isfinite(x) for x in bar):
            pending = None
            equity.append(cash + amount * last_close if position else cash)
            continue
        last_valid = t
        fill: tuple[float, str] | None = None
        if position is not None:
            # A stop reached in this bar wins over the exit pending at its open.
            fill = _stop(position["price"], bar, stop_loss, take_profit, slippage)
            if fill is None and pending == "exit":
                fill = (o[t] * (1 - slippage), "signal")
        elif pending == "entry":
            price = o[t] * (1 + slippage)
            amount = cash * fraction / (price * (1 + fee))
            entry_fee = amount * price * fee
            cash -= amount * price + entry_fee
            position = {"i": t, "price": price, "fee": entry_fee}
            if stops_on_entry_bar:
                fill = _stop(price, bar, stop_loss, take_profit, slippage)
        if position is not None and fill is not None:
            exit_fee = amount * fill[0] * fee
            cash += amount * fill[0] - exit_fee
            trades.append(
                RefTrade(int(position["i"]), t, position["price"], fill[0], amount,
                         position["fee"] + exit_fee, fill[1])
            )  # fmt: skip
            position, amount = None, 0.0
        pending = "exit" if exit_[t] else ("entry" if entry[t] else None)
        last_close = c[t]
        equity.append(cash + amount * c[t] if position else cash)
    if position is not None and close_at_end:
        exit_fee = amount * last_close * fee
        cash += amount * last_close - exit_fee
        trades.append(
            RefTrade(int(position["i"]), last_valid, position["price"], last_close, amount,
                     position["fee"] + exit_fee, "end")
        )  # fmt: skip
        for t in range(last_valid, len(c)):
            equity[t] = cash
    return trades, equity
