"""Build the data components of one exchange and timeframe from settings (CLI and tools).

This is the market-data slice of the composition root: the process's container can call
:func:`open_data_services` or copy its few lines.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from simbiot.bus.memory import MemoryBus
from simbiot.bus.port import Bus
from simbiot.bus.redis_streams import RedisStreamsBus
from simbiot.cache.memory import MemoryCache
from simbiot.cache.port import Cache
from simbiot.cache.redis import RedisCache
from simbiot.config import Settings
from simbiot.data.audit_db import DatabaseQuarantineAudit
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.data.quarantine import Quarantine
from simbiot.data.sync import CandleSync
from simbiot.data.universe import Universe
from simbiot.domain.clock import Clock, LiveClock
from simbiot.domain.errors import ConfigError
from simbiot.exchange.clients import ClientRegistry
from simbiot.exchange.ports import MarketDataPort
from simbiot.exchange.throttle.memory import MemoryRateLimiter
from simbiot.storage.engine import create_engine, create_session_factory
from simbiot.storage.migrate import upgrade_async

__all__ = ["DataServices", "open_data_services"]


@dataclass(frozen=True, slots=True)
class DataServices:
    """What the data commands use, wired."""

    market_data: MarketDataPort
    store: ParquetCandleStore
    cache: Cache
    bus: Bus
    quarantine: Quarantine
    universe: Universe
    sync: CandleSync
    clock: Clock


@asynccontextmanager
async def open_data_services(
    settings: Settings,
    *,
    exchange: str | None = None,
    timeframe: str | None = None,
    exchange_url: str | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[DataServices]:
    """Yield the wired data components; close every connection on exit."""
    clock = clock or LiveClock()
    venue = exchange or settings.exchanges.default
    exchanges = settings.exchanges
    if venue not in exchanges.venues:
        raise ConfigError(
            f"exchange {venue!r} is not configured; known: {', '.join(exchanges.venues)}"
        )
    if exchange_url is not None:
        patched = exchanges.venues[venue].model_copy(update={"base_url": exchange_url})
        exchanges = exchanges.model_copy(update={"venues": {**exchanges.venues, venue: patched}})
    registry = ClientRegistry(exchanges, MemoryRateLimiter(clock), clock)
    cache: Cache = (
        RedisCache(settings.cache)
        if settings.cache.backend == "redis"
        else MemoryCache(settings.cache.memory_max_entries, clock)
    )
    bus: Bus = (
        RedisStreamsBus(settings.bus, clock=clock)
        if settings.bus.backend == "redis"
        else MemoryBus(settings.bus, clock)
    )
    if settings.database.auto_migrate:
        await upgrade_async(settings.database_url, settings=settings.database)
    engine = create_engine(settings.database_url, settings.database)
    try:
        md = registry.market_data(venue)
        ttl = settings.cache.ttl
        audit = DatabaseQuarantineAudit(create_session_factory(engine), clock)
        quarantine = Quarantine(
            cache,
            clock,
            ttl.problem_symbols,
            settings.data.quarantine_after_failures,
            audit,
            exchange=venue,
        )
        # A process-local cache starts empty: the durable audit refills the quarantine.
        await quarantine.restore(await audit.active(venue))
        store = ParquetCandleStore(
            settings.path(settings.data.candle_dir), venue, timeframe or settings.data.timeframe
        )
        universe = Universe(md, cache, clock, ttl.symbols, exchanges.venues[venue].quote)
        sync = CandleSync(
            md, store, cache, bus, quarantine, clock, settings.data, ttl, universe=universe
        )
        yield DataServices(md, store, cache, bus, quarantine, universe, sync, clock)
    finally:
        await registry.close_all()
        await cache.close()
        await bus.close()
        await engine.dispose()
