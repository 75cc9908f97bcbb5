"""Settings of a backtest: capital, sizing, costs and exits."""

from __future__ import annotations

from pydantic import Field, model_validator

from simbiot.config.sections import FrozenModel

__all__ = ["BacktestSettings"]


class BacktestSettings(FrozenModel):
    """How a backtest trades: the same numbers a user gives a paper or live bot.

    ``capital`` is split equally between the symbols of the frame; each symbol trades its
    own share (an isolated sub-account), and every entry spends ``fraction`` of that
    sub-account's cash, fee included.
    """

    capital: float = Field(10_000.0, gt=0)
    fraction: float = Field(1.0, gt=0, le=1)
    # Fee rate charged on the notional of every fill (0.001 = 0.1 %).
    fee: float = Field(0.001, ge=0, lt=0.1)
    # Price slippage of market fills (entries, signal exits, stop-losses), as a fraction.
    slippage: float = Field(0.0, ge=0, lt=0.1)
    # Stop-loss and take-profit distances from the entry fill price (0.05 = 5 %); None = off.
    stop_loss: float | None = Field(None, gt=0, lt=1)
    take_profit: float | None = Field(None, gt=0)
    # Check stops inside the entry bar too (the bar's range comes after the fill at its open).
    stops_on_entry_bar: bool = True
    # Close a position still open at the end of the data at the last close (fee charged).
    close_at_end: bool = True

    @model_validator(mode="after")
    def _check(self) -> BacktestSettings:
        # A stop inside the slippage band would sit at or above the entry bar's open and
        # close every position the moment it opens.
        if self.stop_loss is not None and self.stop_loss <= self.slippage:
            raise ValueError("stop_loss must exceed slippage")
        return self
