"""A bot's PnL from its fills: lots, partial closes, fees, and the backtests' metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from simbiot.backtest.metrics import compute_metrics
from simbiot.services.bot_pnl import bot_pnl, trades_from_fills
from simbiot.storage.tables import EquityMarkRow, FillRow

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _fill(i: int, symbol: str, side: str, price: str, amount: str, fee: str) -> FillRow:
    return FillRow(
        id=i, order_id=i, user_id=1, exchange="mexc", account_ref="paper:1",
        trade_id=str(i), symbol=symbol, side=side, price=Decimal(price),
        amount=Decimal(amount), fee=Decimal(fee), ts=T0 + timedelta(hours=i),
    )  # fmt: skip


def _mark(i: int, value: str) -> EquityMarkRow:
    return EquityMarkRow(
        id=i, user_id=1, bot_id=1, ts=T0 + timedelta(hours=i), equity=Decimal(value),
        cash=Decimal(value), positions_value=Decimal(0),
    )  # fmt: skip


FILLS = [
    _fill(1, "BTC/USDT", "buy", "100", "2", "0.2"),
    _fill(2, "BTC/USDT", "buy", "110", "2", "0.22"),  # one lot at 105
    _fill(3, "BTC/USDT", "sell", "120", "1", "0.12"),  # partial close
    _fill(4, "ETH/USDT", "buy", "10", "5", "0.05"),
    _fill(5, "BTC/USDT", "sell", "90", "3", "0.27"),  # closes the rest
]


def test_fills_become_trades_with_their_share_of_the_entry_fee() -> None:
    trades, lots, realised = trades_from_fills(FILLS)
    assert [(t.symbol, t.amount) for t in trades] == [("BTC/USDT", 1.0), ("BTC/USDT", 3.0)]
    # 1 of 4 bought: a quarter of the 0.42 entry fee rides with the first close.
    first_fee = Decimal("0.42") / 4 + Decimal("0.12")
    first = Decimal(1) * (120 - Decimal(105)) - first_fee
    second = Decimal(3) * (90 - Decimal(105)) - (Decimal("0.42") * 3 / 4 + Decimal("0.27"))
    assert realised == first + second
    assert trades[0].pnl == pytest.approx(float(first))
    assert trades[0].fee == pytest.approx(float(first_fee))
    assert set(lots) == {"ETH/USDT"}
    assert lots["ETH/USDT"].amount == Decimal(5)


def test_a_sell_without_a_lot_is_not_a_trade() -> None:
    trades, lots, realised = trades_from_fills([_fill(1, "X/USDT", "sell", "5", "1", "0")])
    assert (trades, lots, realised) == ([], {}, Decimal(0))


async def test_pnl_marks_open_lots_and_scores_with_the_backtest_metrics() -> None:
    marks = [_mark(1, "1000"), _mark(2, "1010"), _mark(3, "990"), _mark(4, "1005")]
    pnl = await bot_pnl(FILLS, marks, {"ETH/USDT": Decimal(12)})
    assert pnl.unrealised == Decimal(5) * (Decimal(12) - Decimal(10))
    assert pnl.fees == sum((f.fee for f in FILLS), Decimal(0))
    assert pnl.total == pnl.realised + pnl.unrealised
    assert pnl.trades == 2
    trades, _, _ = trades_from_fills(FILLS)
    ts = [int(m.ts.timestamp() * 1000) for m in marks]
    expected = compute_metrics(ts, [float(m.equity) for m in marks], trades)
    assert pnl.metrics == expected
    assert pnl.metrics is not None
    assert pnl.metrics.max_drawdown == pytest.approx(20 / 1010)


async def test_no_price_means_no_unrealised_and_one_mark_no_metrics() -> None:
    pnl = await bot_pnl(FILLS[:1], [_mark(1, "1000")], {})
    assert pnl.unrealised == 0
    assert pnl.metrics is None
    assert pnl.realised == 0
