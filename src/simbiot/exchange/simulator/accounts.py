"""Simulated accounts: API credentials and per-asset free/locked balances."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from simbiot.exchange.simulator.errors import SimApiError

__all__ = ["Account", "Balance"]

ZERO = Decimal(0)


@dataclass(slots=True)
class Balance:
    """One asset of one account."""

    free: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass(slots=True)
class Account:
    """An API key, its secret, whether the key may withdraw, and its balances."""

    api_key: str
    secret: str
    can_withdraw: bool = False
    balances: defaultdict[str, Balance] = field(default_factory=lambda: defaultdict(Balance))

    def deposit(self, asset: str, amount: Decimal) -> None:
        """Add ``amount`` of ``asset`` to the free balance."""
        self.balances[asset].free += amount

    def lock(self, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from free to locked; raise MEXC's insufficient-balance error."""
        bal = self.balances[asset]
        if bal.free < amount:
            raise SimApiError.insufficient()
        bal.free -= amount
        bal.locked += amount

    def unlock(self, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from locked back to free."""
        bal = self.balances[asset]
        bal.locked -= amount
        bal.free += amount

    def require_free(self, asset: str, amount: Decimal) -> None:
        """Raise MEXC's insufficient-balance error unless ``amount`` is free."""
        if self.balances[asset].free < amount:
            raise SimApiError.insufficient()

    def nonzero(self) -> dict[str, Balance]:
        """Return the balances that are not zero."""
        return {a: b for a, b in self.balances.items() if b.free or b.locked}
