"""The embedded mode's market: the bundled simulator started in-process when no venue is set.

When ``simulator.enabled`` and the default venue has no ``base_url``, Simbiot cannot reach a
real exchange and is not told where one is: it starts the simulator, points the venue at it,
and reads time from the simulated market (candles close by the venue's clock, not ours).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from simbiot.config import Settings
from simbiot.domain.clock import Clock, LiveClock
from simbiot.exchange.simulator import SimulatorConfig, SimulatorServer, parse_faults
from simbiot.services.overrides import with_exchange_url

__all__ = ["EmbeddedMarket", "VenueClock", "embedded_market", "needs_simulator"]

log = logging.getLogger(__name__)


class VenueClock:
    """The simulated venue's time; ``sleep`` waits the wall time that much venue time takes."""

    def __init__(self, server: SimulatorServer, speed: float) -> None:
        self._server = server
        self._speed = speed

    def now_ms(self) -> int:
        return self._server.now_ms()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_ms() / 1000, tz=UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self._speed)


@dataclass(frozen=True, slots=True)
class EmbeddedMarket:
    """Settings to use (the venue pointed at the simulator when one runs), clock and server."""

    settings: Settings
    clock: Clock
    server: SimulatorServer | None

    @property
    def simulated(self) -> bool:
        return self.server is not None


def needs_simulator(settings: Settings) -> bool:
    """Whether the default venue must be served by the bundled simulator."""
    venue = settings.exchanges.venues[settings.exchanges.default]
    return settings.simulator.enabled and venue.base_url is None


def _pointed_at(settings: Settings, base_url: str) -> Settings:
    venue = settings.exchanges.default
    url = base_url + ("/binance" if venue == "binance" else "")
    settings = with_exchange_url(settings, venue, url)
    if not settings.coingecko.enabled:
        return settings
    # The simulator serves a CoinGecko look-alike for its own coins.
    cg = settings.coingecko.model_copy(update={"base_url": base_url + "/coingecko"})
    return settings.model_copy(update={"coingecko": cg})


@asynccontextmanager
async def embedded_market(settings: Settings) -> AsyncIterator[EmbeddedMarket]:
    """Yield the market to use; start and stop the simulator around it when needed."""
    if not needs_simulator(settings):
        yield EmbeddedMarket(settings, LiveClock(), None)
        return
    sim = settings.simulator
    # The venue's base candle is the analysed timeframe, with enough history for a window.
    history = max(
        sim.history_candles, settings.analysis.window + 100, settings.data.history_candles + 100
    )
    config = SimulatorConfig.from_settings(
        sim, timeframe=settings.data.timeframe, history_candles=history
    )
    server = SimulatorServer(config)
    for fault in parse_faults(sim.faults):
        server.faults.add(fault)
    # An ephemeral port: the embedded simulator must never collide with a running one.
    base_url = await server.start(host=sim.host, port=0)
    log.info("market simulator serving %d symbols at %s", config.symbols, base_url)
    try:
        yield EmbeddedMarket(
            _pointed_at(settings, base_url), VenueClock(server, config.speed), server
        )
    finally:
        await server.stop()
