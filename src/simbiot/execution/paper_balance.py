"""Paper account balances, derived from the ledger so a restart loses nothing.

Free quote = starting capital − buys (cost + fee) + sells (proceeds − fee) − what open
paper buy orders hold. Holdings of each base are the open positions.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.execution.ledger import Ledger
from simbiot.execution.state import OrderState
from simbiot.storage.errors import translated
from simbiot.storage.tables import FillRow, OrderRow

__all__ = ["PaperBalances"]

ZERO = Decimal(0)


class PaperBalances:
    """Free quote balance of paper accounts (``paper:<bot_id>``)."""

    def __init__(self, ledger: Ledger, capital_of: Callable[[int, str], Decimal]) -> None:
        self._ledger = ledger
        self._capital_of = capital_of

    async def free_quote(self, user_id: int, account_ref: str) -> Decimal:
        """Return the quote currency the account can spend now."""
        async with self._ledger.transaction() as session:
            return await self.free_quote_in(session, user_id, account_ref)

    async def free_quote_in(self, session: AsyncSession, user_id: int, account_ref: str) -> Decimal:
        """Return the free quote balance as seen inside the caller's transaction."""
        async with translated("paper balance"):
            rows = await session.execute(
                select(FillRow.side, FillRow.price, FillRow.amount, FillRow.fee).where(
                    FillRow.user_id == user_id, FillRow.account_ref == account_ref
                )
            )
            resting = await session.execute(
                select(OrderRow.amount, OrderRow.price).where(
                    OrderRow.user_id == user_id,
                    OrderRow.account_ref == account_ref,
                    OrderRow.side == "buy",
                    OrderRow.status == OrderState.OPEN.value,
                )
            )
            flows = list(rows)
            held = list(resting)
        # Summed in Python: SQLite keeps exact decimals as text.
        free = self._capital_of(user_id, account_ref)
        for side, price, amount, fee in flows:
            free += -(price * amount + fee) if side == "buy" else price * amount - fee
        for amount, limit in held:
            free -= amount * (limit or ZERO)
        return free
