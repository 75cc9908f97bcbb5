"""Request and response bodies of bots: creation, status, orders, fills, positions,
equity history and PnL.

Money amounts are decimals, answered as strings so no digit is lost; figures computed in
floating point (metrics) are numbers, ``"inf"`` where unbounded.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StringConstraints, model_validator

from simbiot.api.schemas.common import RequestModel, ResponseModel

__all__ = [
    "BotCreate",
    "BotDetailOut",
    "BotOut",
    "EquityPointOut",
    "FillOut",
    "OrderOut",
    "PnlOut",
    "PositionOut",
]

MAX_CAPITAL = Decimal(1_000_000_000_000)

Name = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ParamName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ParamValue = (
    StrictBool | StrictInt | StrictFloat | Annotated[str, StringConstraints(max_length=128)]
)


class BotCreate(RequestModel):
    """A new bot: a strategy of the catalogue with its parameters, on paper or live.

    Without ``strategy`` the bot follows the strategy chosen in your settings; parameters
    not given come from your settings when the strategy is the one chosen there.
    """

    name: Name = Field(description="Your name for the bot")
    strategy: Name | None = Field(
        None,
        description=(
            "A strategy of GET /api/v1/strategies (e.g. trend_ema_adx); "
            "default: the strategy chosen in your settings"
        ),
    )
    params: dict[ParamName, ParamValue] = Field(
        default_factory=dict,
        max_length=64,
        description=(
            "Strategy parameters overriding its defaults (checked by the strategy); the "
            "defaults are your settings' parameters when it is the strategy chosen there"
        ),
    )
    mode: Literal["paper", "live"] = Field("paper", description="paper (simulated) or live")
    account_id: int | None = Field(
        None, ge=1, le=2**62, description="Live only: the id of one of your exchange keys"
    )
    capital: Decimal | None = Field(
        None,
        gt=0,
        le=MAX_CAPITAL,
        max_digits=30,
        decimal_places=8,
        allow_inf_nan=False,
        description="Paper only: starting capital in the quote currency (default: trading.paper_capital)",
    )
    max_slots: int = Field(5, ge=1, le=100, description="Positions held at most at once")

    @model_validator(mode="after")
    def _mode_fields(self) -> BotCreate:
        if self.mode == "live":
            if self.account_id is None:
                raise ValueError("a live bot needs account_id")
            if self.capital is not None:
                raise ValueError("a live bot trades the account's balance: no capital")
        elif self.account_id is not None:
            raise ValueError("a paper bot takes no account_id")
        return self


class BotOut(ResponseModel):
    """A bot and how it is set up."""

    id: int
    name: str
    strategy: str
    params: dict[str, Any] = Field(description="The strategy's complete parameters")
    mode: str
    status: str = Field(description="running or stopped")
    account_id: int | None
    capital: Decimal | None = Field(description="Paper starting capital (None for live)")
    max_slots: int
    created_at: datetime
    started_at: datetime | None
    stopped_at: datetime | None


class BotDetailOut(BotOut):
    """A bot with its standing at its latest equity mark (one per trading cycle)."""

    equity: Decimal | None = Field(description="Cash plus open positions at the last mark")
    pnl: Decimal | None = Field(description="Equity minus the starting equity")
    pnl_pct: float | None
    marked_at: datetime | None = Field(description="When the equity was last marked")
    open_positions: int


class OrderOut(ResponseModel):
    id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    amount: Decimal
    price: Decimal | None
    filled: Decimal
    average: Decimal | None
    fee: Decimal
    fee_currency: str | None
    status: str
    reason: str | None
    created_at: datetime
    updated_at: datetime


class FillOut(ResponseModel):
    id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_currency: str | None
    ts: datetime


class PositionOut(ResponseModel):
    id: int
    symbol: str
    side: str
    amount: Decimal
    entry_price: Decimal
    stop_price: Decimal | None
    take_profit: Decimal | None
    realized_pnl: Decimal
    status: str
    opened_at: datetime
    closed_at: datetime | None


class EquityPointOut(ResponseModel):
    id: int
    ts: datetime
    equity: Decimal
    cash: Decimal
    positions_value: Decimal


class PnlOut(ResponseModel):
    """A bot's PnL; ``metrics`` are the backtests' figures over its equity marks."""

    realised: Decimal = Field(description="Closed trades' pnl, net of both fees")
    unrealised: Decimal = Field(description="Open lots at the last price minus their cost")
    total: Decimal
    fees: Decimal = Field(description="Every fill's fee")
    trades: int = Field(description="Closed trades")
    open_positions: int
    metrics: dict[str, float | int | str | None] | None = Field(
        description="Sharpe, drawdown, win rate ... (None before two equity marks)"
    )
