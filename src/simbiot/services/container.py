"""The composition root: the only place that reads settings and builds concrete adapters.

A :class:`Container` is built once per process. Components are created on first use and
closed in reverse order by :meth:`Container.aclose`; library code receives them through its
constructors and never imports a client, a session or a settings instance from a module.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from simbiot.analysis.analyzer import Analyzer
from simbiot.analysis.xray.engine import XRayEngine
from simbiot.bus.factory import build_bus
from simbiot.bus.port import Bus
from simbiot.cache.factory import build_cache
from simbiot.cache.port import Cache
from simbiot.cache.redis_support import make_client
from simbiot.cache.store import CacheStore
from simbiot.cache.ttl import TTLPolicy
from simbiot.config import Settings
from simbiot.data.audit_db import DatabaseQuarantineAudit
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.data.coingecko import CoinGeckoClient
from simbiot.data.metadata import MarketMetadata
from simbiot.data.quarantine import Quarantine
from simbiot.data.sync import CandleSync
from simbiot.data.universe import Universe
from simbiot.domain.clock import Clock, LiveClock
from simbiot.domain.errors import ConfigError
from simbiot.exchange.clients import ClientRegistry
from simbiot.exchange.ports import MarketDataPort
from simbiot.exchange.simulator import SimulatorServer
from simbiot.exchange.throttle.base import RateLimiter
from simbiot.exchange.throttle.memory import MemoryRateLimiter
from simbiot.exchange.throttle.redis import RedisRateLimiter
from simbiot.learning.datasets import DatasetSpec
from simbiot.learning.registry import ModelRegistry
from simbiot.learning.roles import ROLES
from simbiot.observability.http import MetricsServer
from simbiot.observability.metrics import Metrics
from simbiot.security.secrets import CredentialCipher
from simbiot.services.credentials import StoredCredentials
from simbiot.services.ml_anomaly import joint_anomaly_detector
from simbiot.services.ml_detectors import pipeline_detectors
from simbiot.services.ml_models import ChampionSet, CyclePredictor
from simbiot.signals import (
    Blacklist,
    IndicatorCache,
    SignalEngine,
    SignalService,
    StrategyRegistry,
)
from simbiot.storage.database import Database
from simbiot.storage.repositories.signals import DatabaseSignalRecorder

__all__ = ["Container"]

log = logging.getLogger(__name__)


class Container:
    """Every adapter of one process, built from one :class:`Settings`."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or LiveClock()
        self.metrics = metrics or Metrics()
        self._closers: list[Callable[[], Awaitable[Any]]] = []
        self._cache: Cache | None = None
        self._bus: Bus | None = None
        self._database: Database | None = None
        self._limiter: RateLimiter | None = None
        self._exchanges: ClientRegistry | None = None
        self._stores: dict[tuple[str, str], ParquetCandleStore] = {}
        self._quarantines: dict[str, Quarantine] = {}
        self._universes: dict[str, Universe] = {}
        self._metadata: dict[str, MarketMetadata] = {}
        self._coingecko: CoinGeckoClient | None = None
        self._engine: XRayEngine | None = None
        self._ml: CyclePredictor | None = None
        self._strategies: StrategyRegistry | None = None
        self._signal_service: SignalService | None = None
        self._started = False
        # The bundled simulator serving the venue in embedded mode (None otherwise).
        self.simulator: SimulatorServer | None = None

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Open what must be ready before work starts: the database (migrated when asked)."""
        if self._started:
            return
        self.settings.app.data_dir.mkdir(parents=True, exist_ok=True)
        await self.database.start()
        ms = self.settings.metrics
        if ms.enabled and ms.port:
            server = MetricsServer(self.metrics, port=ms.port, health=self.database.ping)
            log.info("metrics on %s/metrics", await server.start())
            self._closers.append(server.stop)
        self._started = True

    async def aclose(self) -> None:
        """Close every component built, newest first; one failure never skips the rest."""
        while self._closers:
            closer = self._closers.pop()
            try:
                await closer()
            except Exception:
                log.warning("closing a component failed", exc_info=True)
        self._started = False

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ---------------------------------------------------------------- foundation
    @property
    def cache(self) -> Cache:
        """The configured cache (Redis or in-memory), measured."""
        if self._cache is None:
            self._cache = build_cache(self.settings.cache, clock=self.clock, metrics=self.metrics)
            self._closers.append(self._cache.close)
        return self._cache

    @property
    def bus(self) -> Bus:
        """The configured bus (Redis Streams or in-memory)."""
        if self._bus is None:
            self._bus = build_bus(self.settings.bus, clock=self.clock, metrics=self.metrics)
            self._closers.append(self._bus.close)
        return self._bus

    @property
    def database(self) -> Database:
        """The database (PostgreSQL or the embedded SQLite file)."""
        if self._database is None:
            url = self.settings.database_url
            if url.startswith("sqlite"):
                Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
            self._database = Database(url, self.settings.database)
            self._closers.append(self._database.close)
        return self._database

    def cipher(self) -> CredentialCipher:
        """The credential cipher; ConfigError when no master key is configured."""
        return CredentialCipher.from_settings(self.settings.security)

    # ---------------------------------------------------------------- exchanges
    @property
    def limiter(self) -> RateLimiter:
        """Request budgets: shared through Redis when the cache is Redis, else in-process."""
        if self._limiter is None:
            if self.settings.cache.backend == "redis":
                cs = self.settings.cache
                client = make_client(
                    cs.redis_url,
                    max_connections=cs.max_connections,
                    socket_timeout_s=cs.socket_timeout_s,
                    connect_timeout_s=cs.connect_timeout_s,
                    pool_timeout_s=cs.pool_timeout_s,
                )
                self._closers.append(client.aclose)
                self._limiter = RedisRateLimiter(client, cs.key_prefix, self.clock)
            else:
                self._limiter = MemoryRateLimiter(self.clock)
        return self._limiter

    @property
    def exchanges(self) -> ClientRegistry:
        """Shared public clients and per-user private clients of every venue."""
        if self._exchanges is None:
            credentials = None
            if self.settings.security.active_key_id is not None:
                credentials = StoredCredentials(self.database.sessions, self.cipher())
            self._exchanges = ClientRegistry(
                self.settings.exchanges,
                self.limiter,
                self.clock,
                credentials=credentials,
                metrics=self.metrics,
            )
            self._closers.append(self._exchanges.close_all)
        return self._exchanges

    def venue(self, exchange: str | None) -> str:
        """Return ``exchange`` or the default venue; ConfigError when it is not configured."""
        venue = exchange or self.settings.exchanges.default
        if venue not in self.settings.exchanges.venues:
            known = ", ".join(self.settings.exchanges.venues)
            raise ConfigError(f"exchange {venue!r} is not configured; known: {known}")
        return venue

    def market_data(self, exchange: str | None = None) -> MarketDataPort:
        """The venue's shared public market-data client."""
        return self.exchanges.market_data(self.venue(exchange))

    # ---------------------------------------------------------------- market data
    def candle_store(
        self, exchange: str | None = None, timeframe: str | None = None
    ) -> ParquetCandleStore:
        """The Parquet candle store of one venue and timeframe."""
        key = (self.venue(exchange), timeframe or self.settings.data.timeframe)
        store = self._stores.get(key)
        if store is None:
            store = ParquetCandleStore(self.settings.path(self.settings.data.candle_dir), *key)
            self._stores[key] = store
        return store

    async def quarantine(self, exchange: str | None = None) -> Quarantine:
        """The venue's problem-symbol quarantine, refilled from the durable audit once."""
        venue = self.venue(exchange)
        q = self._quarantines.get(venue)
        if q is None:
            audit = DatabaseQuarantineAudit(self.database.sessions, self.clock)
            q = Quarantine(
                self.cache,
                self.clock,
                self.settings.cache.ttl.problem_symbols,
                self.settings.data.quarantine_after_failures,
                audit,
                exchange=venue,
            )
            # A process-local cache starts empty: the audit holds what is still quarantined.
            await q.restore(await audit.active(venue))
            self._quarantines[venue] = q
        return q

    def universe(self, exchange: str | None = None) -> Universe:
        """The venue's available symbols (cached 24 h)."""
        venue = self.venue(exchange)
        u = self._universes.get(venue)
        if u is None:
            settings = self.settings.exchanges.venues[venue]
            u = Universe(
                self.market_data(venue),
                self.cache,
                self.clock,
                self.settings.cache.ttl.symbols,
                settings.quote,
            )
            self._universes[venue] = u
        return u

    async def candle_sync(
        self, exchange: str | None = None, timeframe: str | None = None
    ) -> CandleSync:
        """Incremental candle sync of one venue and timeframe."""
        venue = self.venue(exchange)
        return CandleSync(
            self.market_data(venue),
            self.candle_store(venue, timeframe),
            self.cache,
            self.bus,
            await self.quarantine(venue),
            self.clock,
            self.settings.data,
            self.settings.cache.ttl,
            universe=self.universe(venue),
        )

    @property
    def coingecko(self) -> CoinGeckoClient | None:
        """The CoinGecko client, or None when CoinGecko is disabled."""
        if self._coingecko is None and self.settings.coingecko.enabled:
            self._coingecko = CoinGeckoClient(self.settings.coingecko, self.clock)
            self._closers.append(self._coingecko.close)
        return self._coingecko

    def metadata(self, exchange: str | None = None) -> MarketMetadata:
        """Market metadata of one venue (cached 7 days) fused with CoinGecko profiles."""
        venue = self.venue(exchange)
        meta = self._metadata.get(venue)
        if meta is None:
            meta = MarketMetadata(
                self.market_data(venue),
                self.cache,
                self.clock,
                self.settings.cache.ttl.metadata,
                coingecko=self.coingecko,
                overrides=dict(self.settings.coingecko.id_overrides),
            )
            self._metadata[venue] = meta
        return meta

    # ---------------------------------------------------------------- analysis
    @property
    def xray_engine(self) -> XRayEngine:
        """The X-ray engine (pure; shared by every analysis run)."""
        if self._engine is None:
            ls = self.settings.learning
            detectors = (
                pipeline_detectors(self.settings.analysis, ls, self.ml_predictor)
                if ls.models_in_pipeline
                else None
            )
            anomaly = (
                joint_anomaly_detector(self.settings.analysis, ls.anomaly_refit_cycles)
                if ls.models_in_pipeline
                else None
            )
            analysis = self.settings.analysis
            if not analysis.features_always and self._strategies_read_features():
                # A strategy reads analysis features: the X-ray must compute them.
                analysis = analysis.model_copy(update={"features_always": True})
            self._engine = XRayEngine(analysis, detectors=detectors, anomaly=anomaly)
        return self._engine

    def _strategies_read_features(self) -> bool:
        """Whether any registered strategy, at its defaults, reads an analysis feature."""
        registry = self.strategies
        for strategy in registry:
            wants = getattr(strategy, "required_features", None)
            if callable(wants) and wants(registry.default_config(strategy.name).params):
                return True
        return False

    @property
    def ml_predictor(self) -> CyclePredictor:
        """Champion models and their per-cycle predictions (shared by X-ray and trading)."""
        if self._ml is None:
            ls = self.settings.learning
            registry = ModelRegistry(self.settings.path(ls.models_dir), self.database.sessions)
            spec = DatasetSpec(ls.horizon, ls.barrier_width, ls.vol_window, ls.reference_symbol)
            self._ml = CyclePredictor(ChampionSet(registry, [r.name for r in ROLES]), spec)
        return self._ml

    def analyzer(self, exchange: str | None = None, timeframe: str | None = None) -> Analyzer:
        """The analyser of one venue and timeframe over its candle store."""
        ttl = self.settings.cache.ttl
        return Analyzer(
            self.candle_store(exchange, timeframe),
            self.cache,
            self.bus,
            self.xray_engine,
            self.clock,
            ttl.analysis,
            filter_ttl_s=ttl.filters,
        )

    # ---------------------------------------------------------------- signals
    @property
    def strategies(self) -> StrategyRegistry:
        """Built-in strategies plus the rule files of ``signals.rules_dir`` (bad files skipped)."""
        if self._strategies is None:
            self._strategies = StrategyRegistry.from_directory(self.settings.signals.rules_dir)
        return self._strategies

    @property
    def signal_service(self) -> SignalService:
        """The signal cycle: shared evaluation, cache, bus, stored signals, fan-out."""
        if self._signal_service is None:
            s = self.settings.signals
            store = CacheStore(self.cache, TTLPolicy(self.settings.cache.ttl))
            engine = SignalEngine(self.strategies, IndicatorCache(s.indicator_cache_mb * 2**20), s)
            self._signal_service = SignalService(
                engine,
                Blacklist(store, self.clock, s),
                store,
                self.bus,
                DatabaseSignalRecorder(self.database),
                self.clock,
            )
        return self._signal_service

    def close_later(self, closer: Callable[[], Awaitable[Any]]) -> None:
        """Register an extra resource to close with the container."""
        self._closers.append(closer)
