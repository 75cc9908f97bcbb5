"""The background service that runs the subscription sweep once a minute of clock time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from simbiot.billing.provider import PaymentProvider
from simbiot.billing.providers import build_provider
from simbiot.billing.sweeper import SweepReport, sweep
from simbiot.config.sections import BillingSettings
from simbiot.domain.clock import Clock
from simbiot.storage.database import Database

if TYPE_CHECKING:
    from simbiot.api.state import ApiState

__all__ = ["SWEEP_INTERVAL_S", "BillingSweeper", "billing_sweeper"]

log = logging.getLogger(__name__)

SWEEP_INTERVAL_S = 60.0


class BillingSweeper:
    """Sweeps subscriptions every ``interval_s`` of ``clock`` time until closed; a failed
    sweep is logged and the next one runs on schedule."""

    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        settings: BillingSettings,
        provider: PaymentProvider,
        interval_s: float = SWEEP_INTERVAL_S,
        on_sweep: Callable[[SweepReport], None] | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._settings = settings
        self._provider = provider
        self._interval_s = interval_s
        self._on_sweep = on_sweep
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> SweepReport:
        """One sweep at the clock's current time."""
        report = await sweep(
            self._database, settings=self._settings, provider=self._provider, now=self._clock.now()
        )
        if self._on_sweep is not None:
            self._on_sweep(report)
        return report

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("billing sweep failed")
            await self._clock.sleep(self._interval_s)

    async def start(self) -> None:
        """Start sweeping in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="billing-sweeper")

    async def aclose(self) -> None:
        """Stop sweeping and wait for the task to end."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def billing_sweeper(state: ApiState) -> BillingSweeper:
    """The API process's sweeper over its container's database and clock."""
    return BillingSweeper(
        database=state.container.database,
        clock=state.container.clock,
        settings=state.settings.billing,
        provider=build_provider(state.settings),
    )
