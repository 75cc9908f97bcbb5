"""Per-user risk limits (R1): open positions, exposure, daily loss, drawdown kill switch.

Exposure limits tighten with volatility: a market ``k`` times as volatile as the target
allows ``1/k`` of the exposure (never looser than configured). Loss limits do not move:
money already lost is not a matter of volatility. Every rejection carries a stable
``Reason`` the user sees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from simbiot.config.sections import RiskSettings
from simbiot.risk.reasons import Reason
from simbiot.risk.sizing import decimal_of

__all__ = ["AccountState", "Rejection", "check_entry", "kill_switch", "volatility_ratio"]

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the limits look at: equity now, at its peak, at the day's start, and exposure."""

    equity: Decimal
    peak_equity: Decimal
    day_start_equity: Decimal
    exposure: Mapping[str, Decimal] = field(default_factory=dict)  # notional by symbol

    @property
    def open_positions(self) -> int:
        """Symbols with a position."""
        return sum(1 for v in self.exposure.values() if v > 0)

    @property
    def total_exposure(self) -> Decimal:
        """Notional of every position."""
        return sum(self.exposure.values(), ZERO)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A limit refused the order."""

    reason: Reason
    detail: str


def volatility_ratio(volatility: float, settings: RiskSettings) -> float:
    """Return how many times the target volatility the market runs at (at least 1)."""
    if not math.isfinite(volatility) or volatility <= 0:
        return 1.0
    return max(1.0, volatility / settings.target_volatility)


def kill_switch(state: AccountState, settings: RiskSettings) -> Rejection | None:
    """Return why no new entry is allowed today (daily loss or drawdown), or None."""
    if state.peak_equity > 0:
        drawdown = (state.peak_equity - state.equity) / state.peak_equity
        if drawdown >= decimal_of(settings.max_drawdown):
            return Rejection(
                Reason.DRAWDOWN_KILL_SWITCH,
                f"drawdown {drawdown:.2%} reached the {settings.max_drawdown:.2%} limit",
            )
    if state.day_start_equity > 0:
        loss = (state.day_start_equity - state.equity) / state.day_start_equity
        if loss >= decimal_of(settings.daily_loss_limit):
            return Rejection(
                Reason.DAILY_LOSS_LIMIT,
                f"daily loss {loss:.2%} reached the {settings.daily_loss_limit:.2%} limit",
            )
    return None


def check_entry(
    state: AccountState,
    symbol: str,
    notional: Decimal,
    settings: RiskSettings,
    *,
    volatility: float = 0.0,
) -> Rejection | None:
    """Return why an entry of ``notional`` in ``symbol`` breaks a limit, or None."""
    stop = kill_switch(state, settings)
    if stop is not None:
        return stop
    held = state.exposure.get(symbol, ZERO)
    if held <= 0 and state.open_positions >= settings.max_open_positions:
        return Rejection(
            Reason.MAX_OPEN_POSITIONS, f"{state.open_positions} positions open (maximum reached)"
        )
    tighten = decimal_of(volatility_ratio(volatility, settings))
    equity = max(state.equity, ZERO)
    symbol_cap = equity * decimal_of(settings.max_symbol_exposure) / tighten
    if held + notional > symbol_cap:
        return Rejection(
            Reason.SYMBOL_EXPOSURE,
            f"{symbol} exposure {held + notional:.2f} above {symbol_cap:.2f}",
        )
    total_cap = equity * decimal_of(settings.max_total_exposure) / tighten
    if state.total_exposure + notional > total_cap:
        return Rejection(
            Reason.TOTAL_EXPOSURE,
            f"total exposure {state.total_exposure + notional:.2f} above {total_cap:.2f}",
        )
    return None
