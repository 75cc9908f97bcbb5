"""Exit points (R3) and partial closes (R4): pure functions of a long position and a bar.

Levels come from ATR and the market regime: the stop sits ``stop_atr`` ATRs below entry
(wider in noisy regimes), the take-profit ``take_profit_r`` stop distances (R) above it,
and the trailing stop ``trail_atr`` ATRs below the best price once the position is
``trail_activation_r`` R in profit. Within one bar the stop is checked first: when a bar
touches both the stop and the target, the worse outcome is assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from simbiot.config.sections import RiskSettings
from simbiot.risk.sizing import decimal_of

__all__ = [
    "Bar",
    "ExitDecision",
    "ExitKind",
    "ExitLevels",
    "ExitPlan",
    "PositionView",
    "evaluate",
    "initial_levels",
    "partials_done",
]

ZERO = Decimal(0)
ONE = Decimal(1)


class ExitKind(StrEnum):
    """Why a position (or part of it) is closed."""

    STOP_LOSS = "stop_loss"
    TRAILING_STOP = "trailing_stop"
    TAKE_PROFIT = "take_profit"
    TIME = "time"
    PARTIAL = "partial"


@dataclass(frozen=True, slots=True)
class ExitLevels:
    """Stop, target and trailing distance (fraction of price) of a new position."""

    stop_price: Decimal
    take_profit: Decimal
    trail_pct: Decimal
    risk_per_unit: Decimal  # entry minus stop: one R


@dataclass(frozen=True, slots=True)
class PositionView:
    """What exits need to know about an open long position."""

    entry_price: Decimal
    amount: Decimal
    initial_amount: Decimal
    risk_per_unit: Decimal  # one R, fixed at entry
    opened_at_ms: int
    stop_price: Decimal | None = None
    take_profit: Decimal | None = None
    trail_pct: Decimal | None = None
    best_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Bar:
    """The latest candle (or tick: high = low = close)."""

    ts_ms: int
    high: Decimal
    low: Decimal
    close: Decimal


@dataclass(frozen=True, slots=True)
class ExitDecision:
    """Close ``fraction`` of the current amount, triggered at ``price``."""

    kind: ExitKind
    fraction: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class ExitPlan:
    """The decisions for this bar and the position's new stop and best price."""

    decisions: tuple[ExitDecision, ...]
    stop_price: Decimal | None
    best_price: Decimal

    @property
    def closes(self) -> bool:
        """Whether the whole position goes."""
        return any(d.fraction >= ONE for d in self.decisions)


def initial_levels(
    entry_price: Decimal,
    atr: float,
    regime: str,
    settings: RiskSettings,
    *,
    stop_scale: float = 1.0,
) -> ExitLevels:
    """Return stop, take-profit and trailing distance for an entry, from ATR and regime.

    ``stop_scale`` is the model's stop multiplier (R3): it widens or tightens the stop,
    and with it the target and the trail; non-finite or non-positive values count as 1.
    """
    if entry_price <= 0 or not atr > 0:
        raise ValueError("entry price and ATR must be positive")
    if not (math.isfinite(stop_scale) and stop_scale > 0):
        stop_scale = 1.0
    widen = decimal_of(settings.regime_stop_scale.get(regime, 1.0)) * decimal_of(stop_scale)
    distance = decimal_of(settings.stop_atr) * decimal_of(atr) * widen
    # A stop at or below zero protects nothing: keep it within the price.
    distance = min(distance, entry_price * Decimal("0.95"))
    return ExitLevels(
        stop_price=entry_price - distance,
        take_profit=entry_price + decimal_of(settings.take_profit_r) * distance,
        trail_pct=min(
            decimal_of(settings.trail_atr) * decimal_of(atr) * decimal_of(stop_scale) / entry_price,
            ONE / 2,
        ),
        risk_per_unit=distance,
    )


def partials_done(position: PositionView, settings: RiskSettings) -> int:
    """Return how many partial levels the amount already sold accounts for."""
    if position.initial_amount <= 0:
        return 0
    sold = ONE - position.amount / position.initial_amount
    done, cumulative = 0, ZERO
    for _, share in settings.partial_levels:
        cumulative += decimal_of(share)
        # Sizes are rounded down to the amount step: allow 1 % of slack.
        if sold + Decimal("0.01") * cumulative < cumulative:
            break
        done += 1
    return done


def _partial(
    position: PositionView, high: Decimal, settings: RiskSettings
) -> tuple[ExitDecision | None, bool]:
    if position.risk_per_unit <= 0 or position.amount <= 0:
        return None, False
    profit_r = (high - position.entry_price) / position.risk_per_unit
    done = partials_done(position, settings)
    share, reached, price = ZERO, False, ZERO
    for r, level_share in settings.partial_levels[done:]:
        level = decimal_of(r)
        if profit_r < level:
            break
        share += decimal_of(level_share)
        reached = True
        price = position.entry_price + level * position.risk_per_unit
    if not reached:
        return None, done > 0
    fraction = min(ONE, share * position.initial_amount / position.amount)
    return ExitDecision(ExitKind.PARTIAL, fraction, price), True


def evaluate(position: PositionView, bar: Bar, settings: RiskSettings) -> ExitPlan:
    """Apply stop, target, time, partial and trailing rules of one bar to a long position."""
    best = max(position.best_price or position.entry_price, bar.high)
    stop = position.stop_price
    if stop is not None and bar.low <= stop:
        # A stop above the initial one was moved there by profit: the trail (or breakeven).
        trailed = (
            position.risk_per_unit > 0 and stop > position.entry_price - position.risk_per_unit
        )
        kind = ExitKind.TRAILING_STOP if trailed else ExitKind.STOP_LOSS
        # A gap through the stop fills at the bar's open side, not at the stop.
        return ExitPlan((ExitDecision(kind, ONE, min(stop, bar.high)),), stop, best)
    if position.take_profit is not None and bar.high >= position.take_profit:
        price = max(position.take_profit, bar.low)
        return ExitPlan((ExitDecision(ExitKind.TAKE_PROFIT, ONE, price),), stop, best)
    hold_ms = settings.max_hold_s * 1000
    if hold_ms and bar.ts_ms - position.opened_at_ms >= hold_ms:
        return ExitPlan((ExitDecision(ExitKind.TIME, ONE, bar.close),), stop, best)
    decisions: list[ExitDecision] = []
    partial, any_done = _partial(position, bar.high, settings)
    if partial is not None:
        decisions.append(partial)
    if any_done and settings.breakeven_after_partial:
        stop = max(stop or ZERO, position.entry_price)
    activation = position.entry_price + decimal_of(settings.trail_activation_r) * (
        position.risk_per_unit
    )
    if position.trail_pct is not None and position.trail_pct > 0 and best >= activation:
        trailed_stop = best * (ONE - position.trail_pct)
        stop = trailed_stop if stop is None else max(stop, trailed_stop)
    return ExitPlan(tuple(decisions), stop, best)
