"""Deleting expired Idempotency-Keys, in the background of the API process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from simbiot.api.state import ApiState
from simbiot.domain.clock import Clock
from simbiot.storage.database import Database
from simbiot.storage.repositories import idempotency as keys

__all__ = ["IdempotencyPurger", "idempotency_purger"]

log = logging.getLogger(__name__)


class IdempotencyPurger:
    """Every ``interval_s``, delete keys older than ``ttl_s`` in batches."""

    def __init__(
        self, database: Database, clock: Clock, *, ttl_s: float, interval_s: float
    ) -> None:
        self._database = database
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_s)
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def purge_once(self, batch: int = 1_000) -> int:
        """Delete every expired key now; return how many."""
        total = 0
        while True:
            before = self._clock.now() - self._ttl
            async with self._database.transaction() as session:
                n = await keys.purge(session, before=before, limit=batch)
            total += n
            if n < batch:
                return total

    async def _loop(self) -> None:
        while True:
            try:
                purged = await self.purge_once()
                if purged:
                    log.info("purged %d expired idempotency keys", purged)
            except Exception:
                log.warning("purging idempotency keys failed", exc_info=True)
            await self._clock.sleep(self._interval_s)

    async def start(self) -> None:
        """Start the sweep."""
        self._task = asyncio.create_task(self._loop(), name="idempotency-purge")

    async def aclose(self) -> None:
        """Stop the sweep."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def idempotency_purger(state: ApiState) -> IdempotencyPurger:
    """Background factory: sweep a few times per TTL, at most every ten minutes."""
    ttl = state.settings.api.idempotency_ttl_s
    return IdempotencyPurger(
        state.container.database,
        state.wall_clock,
        ttl_s=ttl,
        interval_s=min(600.0, ttl / 4),
    )
