"""Running bots' equity: recorded once per cycle, and restored into the trader's limits.

:meth:`EquityBook.record` writes one mark per running bot per cycle in one transaction:
free cash (the trader's balance cache, already fresh from the cycle) plus the bot's open
positions at the cycle's prices, read in one query for every bot. :meth:`EquityBook.restore`
seeds the trader's peak and day-start equity from the recorded marks the first time a bot
is seen by this process, so drawdown and daily-loss limits survive a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from simbiot.domain.clock import Clock
from simbiot.domain.errors import SimbiotError
from simbiot.execution.equity import DAY_MS, EquityMarks
from simbiot.services.running_bots import RunningBot
from simbiot.storage.database import Database
from simbiot.storage.repositories import bot_history, equity

__all__ = ["CashOf", "EquityBook"]

log = logging.getLogger(__name__)

ZERO = Decimal(0)

# The free quote balance of (user id, account reference).
CashOf = Callable[[int, str], Awaitable[Decimal]]


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class EquityBook:
    """Records and restores the equity of running bots."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock
        self._looked_up: set[int] = set()  # bots whose history this process has read

    async def restore(self, bots: Sequence[RunningBot], marks: EquityMarks) -> int:
        """Seed ``marks`` for the bots it does not know yet (each bot's history is read once
        per process); return how many were seeded."""
        new = [
            b
            for b in bots
            if b.bot_id not in self._looked_up and not marks.known(b.user_id, b.account.account_ref)
        ]
        if not new:
            return 0
        self._looked_up.update(b.bot_id for b in new)
        now_ms = self._clock.now_ms()
        day = _at(now_ms // DAY_MS * DAY_MS)
        seeded = 0
        async with self._db.transaction() as session:
            for b in new:
                peak = await equity.peak(session, user_id=b.user_id, bot_id=b.bot_id)
                if peak is None:
                    continue
                start = await equity.day_start(
                    session, user_id=b.user_id, bot_id=b.bot_id, since=day
                )
                marks.restore(b.user_id, b.account.account_ref, peak=peak, day_start=start)
                seeded += 1
        return seeded

    async def record(
        self,
        bots: Sequence[RunningBot],
        prices: Mapping[str, Decimal],
        cash_of: CashOf,
    ) -> list[equity.EquityMark]:
        """Write one mark per bot now (one transaction); return the marks written. A bot
        whose balance cannot be read is left out of this cycle's marks."""
        if not bots:
            return []
        owners = {b.bot_id: b.user_id for b in bots}
        async with self._db.transaction() as session:
            open_rows = await bot_history.open_positions_of_bots(session, owners=owners)
        held: dict[int, Decimal] = {}
        for row in open_rows:
            assert row.bot_id is not None
            price = prices.get(row.symbol, row.entry_price)
            held[row.bot_id] = held.get(row.bot_id, ZERO) + row.amount * price
        ts = _at(self._clock.now_ms())
        out = []
        for b in bots:
            try:
                cash = await cash_of(b.user_id, b.account.account_ref)
            except SimbiotError as exc:
                # An account the venue will not answer for gets no mark this cycle.
                log.warning("bot %d: no equity mark, balance unavailable: %s", b.bot_id, exc)
                continue
            out.append(equity.EquityMark(b.user_id, b.bot_id, ts, cash, held.get(b.bot_id, ZERO)))
        async with self._db.transaction() as session:
            await equity.add_marks(session, out)
        return out
