"""The executor provider: one shared paper executor, a live executor per exchange account."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from simbiot.config.sections import TradingSettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import ConfigError
from simbiot.exchange.ports import TradingPort
from simbiot.execution.accounts import UserAccount
from simbiot.execution.executor import Executor
from simbiot.execution.ledger import Ledger
from simbiot.execution.live import LiveExecutor

__all__ = ["Executors", "PortFor"]

# The account's private client, e.g. ``lambda a: registry.trading(a.exchange, …)``.
PortFor = Callable[[UserAccount], Awaitable[TradingPort]]


class Executors:
    """Hands each account its executor; live ones share a per-venue in-flight bound (per IP)."""

    def __init__(
        self,
        paper: Executor,
        ledger: Ledger,
        clock: Clock,
        settings: TradingSettings,
        *,
        port_for: PortFor | None = None,
    ) -> None:
        self._paper = paper
        self._ledger = ledger
        self._clock = clock
        self._settings = settings
        self._port_for = port_for
        self._venue_slots: dict[str, asyncio.Semaphore] = {}

    async def executor(self, account: UserAccount) -> Executor:
        """Return the paper executor, or a live one over the account's client."""
        if account.paper:
            return self._paper
        if self._port_for is None:
            raise ConfigError("live trading needs exchange clients: none were given")
        port = await self._port_for(account)
        slots = self._venue_slots.setdefault(
            account.exchange, asyncio.Semaphore(self._settings.max_orders_in_flight)
        )
        return LiveExecutor(port, self._ledger, self._clock, self._settings, in_flight=slots)
