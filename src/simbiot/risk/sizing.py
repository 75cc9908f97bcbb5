"""Order sizing (T1, R6): how much to buy, from equity, risk per trade and stop distance.

The size risks ``risk_per_trade`` of equity if the stop is hit, scaled by the market
regime and by the symbol's volatility against a target, capped by the largest position
share and by the free balance with fees reserved. The amount is rounded DOWN to the
market's amount step; a result under the market's minimum amount or notional is a
``Skip`` with a reason code and is never sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal

from simbiot.config.sections import RiskSettings
from simbiot.domain.market import MarketInfo
from simbiot.risk.reasons import Reason

__all__ = [
    "Conditions",
    "Sized",
    "Skip",
    "decimal_of",
    "model_scale",
    "regime_scale",
    "round_down",
    "round_price",
    "size_entry",
    "size_exit",
    "volatility_scale",
]

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Conditions:
    """The market around a symbol: regime name, per-bar ATR as a share of price, and the
    model's size multiplier (R1: 1 = no opinion)."""

    regime: str = "sideways"
    volatility: float = 0.0  # 0 or not finite: unknown, no volatility scaling
    model_scale: float = 1.0


def model_scale(value: float) -> float:
    """A model's size multiplier as used: non-finite or negative values count as 1."""
    return value if math.isfinite(value) and value >= 0 else 1.0


@dataclass(frozen=True, slots=True)
class Sized:
    """An order size ready to send: amount and price on the market's steps."""

    amount: Decimal
    price: Decimal
    fee_reserve: Decimal = ZERO

    @property
    def notional(self) -> Decimal:
        """Amount times price, in the quote currency."""
        return self.amount * self.price


@dataclass(frozen=True, slots=True)
class Skip:
    """No order: the reason code and a human-readable detail."""

    reason: Reason
    detail: str


def decimal_of(value: float | int | str | Decimal) -> Decimal:
    """Return an exact Decimal of the shortest repr of ``value`` (floats as printed)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    return Decimal(value)


def round_down(value: Decimal, step: Decimal) -> Decimal:
    """Round ``value`` down to a whole number of ``step`` (never rounds a size up)."""
    if step <= 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def round_price(price: Decimal, step: Decimal, *, up: bool = False) -> Decimal:
    """Round a price to the market's step: down by default (a buy never pays more), or up."""
    if step <= 0:
        return price
    rounding = ROUND_CEILING if up else ROUND_FLOOR
    return (price / step).to_integral_value(rounding=rounding) * step


def regime_scale(regime: str, settings: RiskSettings) -> float:
    """Return the size multiplier of a market regime (1.0 when not configured)."""
    return float(settings.regime_scale.get(regime, 1.0))


def volatility_scale(volatility: float, settings: RiskSettings) -> float:
    """Return the size multiplier of a symbol's volatility: target / volatility, clamped."""
    if not math.isfinite(volatility) or volatility <= 0:
        return 1.0
    return max(settings.min_volatility_scale, min(1.0, settings.target_volatility / volatility))


def _check_minimums(market: MarketInfo, amount: Decimal, price: Decimal) -> Skip | None:
    if amount <= 0 or amount < market.min_amount:
        return Skip(
            Reason.BELOW_MIN_AMOUNT, f"{amount} {market.base} < minimum {market.min_amount}"
        )
    if amount * price < market.min_notional:
        return Skip(
            Reason.BELOW_MIN_NOTIONAL,
            f"{amount * price} {market.quote} < minimum notional {market.min_notional}",
        )
    return None


def size_entry(
    *,
    market: MarketInfo,
    price: Decimal,
    stop_price: Decimal,
    equity: Decimal,
    free: Decimal,
    conditions: Conditions,
    settings: RiskSettings,
) -> Sized | Skip:
    """Size a long entry at ``price`` with its stop at ``stop_price``."""
    if not market.tradable:
        return Skip(Reason.MARKET_NOT_TRADABLE, f"{market.symbol} is {market.status.value}")
    price = round_price(price, market.price_step)
    if price <= 0:
        return Skip(Reason.BAD_PRICE, f"price {price} is not positive")
    if not ZERO < stop_price < price:
        return Skip(Reason.BAD_STOP, f"stop {stop_price} is not below price {price}")
    if free <= 0 or equity <= 0:
        return Skip(Reason.NO_BALANCE, f"free balance {free} {market.quote}")
    scale = regime_scale(conditions.regime, settings)
    if scale <= 0:
        return Skip(Reason.REGIME_BLOCKED, f"no entries in a {conditions.regime} market")
    scale *= volatility_scale(conditions.volatility, settings)
    scale *= model_scale(conditions.model_scale)
    if scale <= 0:
        return Skip(Reason.REGIME_BLOCKED, f"no entries: the model scales {market.symbol} to 0")
    risk_budget = equity * decimal_of(settings.risk_per_trade) * decimal_of(scale)
    amount = risk_budget / (price - stop_price)
    amount = min(amount, equity * decimal_of(settings.max_position_fraction) / price)
    fee_rate = decimal_of(settings.fee_rate)
    amount = min(amount, free / (price * (1 + fee_rate)))
    amount = round_down(amount, market.amount_step)
    skip = _check_minimums(market, amount, price)
    if skip is not None:
        return skip
    return Sized(amount=amount, price=price, fee_reserve=amount * price * fee_rate)


def size_exit(
    *, market: MarketInfo, held: Decimal, fraction: Decimal, price: Decimal
) -> Sized | Skip:
    """Size a sell of ``fraction`` of ``held``; sells everything when the rest would be dust."""
    if price <= 0:
        return Skip(Reason.BAD_PRICE, f"price {price} is not positive")
    price = round_price(price, market.price_step, up=False)
    whole = round_down(held, market.amount_step)
    amount = whole if fraction >= 1 else round_down(held * fraction, market.amount_step)
    rest = whole - amount
    if rest > 0 and _check_minimums(market, rest, price) is not None:
        amount = whole  # a remainder below the minimums could never be sold on its own
    skip = _check_minimums(market, amount, price)
    if skip is not None:
        return skip
    return Sized(amount=amount, price=price)
