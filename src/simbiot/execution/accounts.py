"""What the trader works with: user accounts, the shared market context, decisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

from simbiot.config.sections import RiskSettings
from simbiot.domain.market import MarketInfo
from simbiot.execution.executor import Executor
from simbiot.execution.state import OrderState
from simbiot.signals.model import Subscription

__all__ = [
    "EVERY_SYMBOL",
    "AllowAll",
    "Decision",
    "Entitlements",
    "ExecutorProvider",
    "MarketContext",
    "Outcome",
    "SymbolLists",
    "UserAccount",
    "UserReport",
]


@dataclass(frozen=True, slots=True)
class SymbolLists:
    """Symbols a user allows (empty: every symbol) and denies (always wins)."""

    allow: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()

    def permits(self, symbol: str) -> bool:
        """Whether the user's bots may open a position in ``symbol``."""
        if symbol in self.deny:
            return False
        return not self.allow or symbol in self.allow


EVERY_SYMBOL = SymbolLists()


@dataclass(frozen=True, slots=True)
class UserAccount:
    """One user's bot trading one subscription, on paper or on an exchange account.

    ``risk`` is the user's own risk settings (the deployment's with their overrides);
    None trades with the deployment's. ``symbols`` limits the entries, never the exits.
    """

    user_id: int
    bot_id: int | None
    exchange: str
    account_ref: str  # "paper:<bot_id>" or the exchange account's id
    subscription: Subscription
    paper: bool = True
    risk: RiskSettings | None = None
    symbols: SymbolLists = EVERY_SYMBOL

    def risk_or(self, default: RiskSettings) -> RiskSettings:
        """The risk settings this account trades with: its own, else ``default``."""
        return self.risk if self.risk is not None else default


@dataclass(frozen=True, slots=True)
class MarketContext:
    """The shared analysis every user's decisions read: built once per burst."""

    exchange: str
    regime: str
    markets: Mapping[str, MarketInfo]
    prices: Mapping[str, Decimal]
    atr: Mapping[str, float] = field(default_factory=dict)  # per symbol, in price units
    # Latest quote volume over its usual level, per symbol (liquidity alerts).
    liquidity_ratio: Mapping[str, float] = field(default_factory=dict)
    # Model multipliers per symbol (absent: 1): position size (R1) and stop distance (R3).
    size_scale: Mapping[str, float] = field(default_factory=dict)
    stop_scale: Mapping[str, float] = field(default_factory=dict)

    def volatility(self, symbol: str) -> float:
        """ATR as a share of price (0 when unknown)."""
        atr, price = self.atr.get(symbol), self.prices.get(symbol)
        if not atr or not price or price <= 0:
            return 0.0
        return atr / float(price)


class Outcome(StrEnum):
    """What happened to one signal for one user."""

    SENT = "sent"
    SKIPPED = "skipped"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Decision:
    """One signal's fate for one user, with a reason code when nothing was sent."""

    symbol: str
    side: str
    outcome: Outcome
    reason: str | None = None
    client_order_id: str | None = None
    state: OrderState | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class UserReport:
    """Every decision taken for one user in one burst."""

    user_id: int
    account_ref: str
    decisions: tuple[Decision, ...]
    error: str | None = None


@runtime_checkable
class Entitlements(Protocol):
    """Whether a user's plan allows trading now (billing plugs in here)."""

    async def may_trade(self, user_id: int, *, paper: bool) -> bool:
        """Return whether ``user_id`` may open positions."""
        ...


class AllowAll:
    """Every user may trade."""

    async def may_trade(self, user_id: int, *, paper: bool) -> bool:
        return True


@runtime_checkable
class ExecutorProvider(Protocol):
    """The executor of an account: the shared paper one, or a live one per account."""

    async def executor(self, account: UserAccount) -> Executor:
        """Return the executor that trades ``account``."""
        ...
