"""The market analyser (A1): load the window, X-ray it off the event loop, cache, publish.

``XRayEngine`` (re-exported here) is the pure part; ``Analyzer`` wires it to a candle
source, the cache and the bus. The snapshot JSON is cached under
``CacheKeys.xray_snapshot`` (and the universe filter's result under
``CacheKeys.filter_result``) so 1000+ API users read one shared analysis, and published on
``xray.snapshot.<exchange>.<tf>`` for the signal and trading services.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Collection, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import orjson

from simbiot.analysis.filters import FilterResult
from simbiot.analysis.snapshot import XRaySnapshot
from simbiot.analysis.xray.engine import XRayEngine, XRayResult
from simbiot.analysis.xray.metrics import TokenFacts
from simbiot.bus import topics
from simbiot.bus.port import Bus
from simbiot.cache.keys import CacheKeys
from simbiot.cache.port import Cache
from simbiot.domain.clock import Clock
from simbiot.domain.errors import DataError, SimbiotError, StorageError
from simbiot.domain.frame import MarketFrame
from simbiot.domain.market import MarketInfo, Ticker

__all__ = ["SNAPSHOT_MESSAGE_TYPE", "Analyzer", "FrameSource", "XRayEngine"]

log = logging.getLogger(__name__)

SNAPSHOT_MESSAGE_TYPE = "xray.snapshot"


@runtime_checkable
class FrameSource(Protocol):
    """Where the analyser reads candles: the candle store (sync or async)."""

    def load_frame(
        self, symbols: Sequence[str] | None, window: int
    ) -> MarketFrame | Awaitable[MarketFrame]:
        """Return the newest ``window`` candles of ``symbols`` (all when None) as one frame."""
        ...


class Analyzer:
    """Runs the X-ray for one exchange/timeframe at a time and shares the result."""

    def __init__(
        self,
        source: FrameSource,
        cache: Cache,
        bus: Bus,
        engine: XRayEngine,
        clock: Clock,
        ttl_s: float,
        *,
        filter_ttl_s: float | None = None,
    ) -> None:
        self._source = source
        self._cache = cache
        self._bus = bus
        self._engine = engine
        self._clock = clock
        self._ttl_s = ttl_s
        self._filter_ttl_s = filter_ttl_s if filter_ttl_s is not None else ttl_s

    async def run_once(
        self,
        exchange: str,
        timeframe: str,
        *,
        markets: Mapping[str, MarketInfo] | None = None,
        tickers: Mapping[str, Ticker] | None = None,
        quarantined: Collection[str] = (),
        metadata: Mapping[str, TokenFacts] | None = None,
    ) -> XRaySnapshot:
        """Analyse the newest window, cache the snapshot and publish it; return it.

        A cache outage is logged and does not stop the publication; a bus failure
        propagates (after the cache was written) so the caller's loop can retry.
        """
        result = await self.analyse_once(
            exchange,
            timeframe,
            markets=markets,
            tickers=tickers,
            quarantined=quarantined,
            metadata=metadata,
        )
        return result.snapshot

    async def analyse_once(
        self,
        exchange: str,
        timeframe: str,
        *,
        markets: Mapping[str, MarketInfo] | None = None,
        tickers: Mapping[str, Ticker] | None = None,
        quarantined: Collection[str] = (),
        metadata: Mapping[str, TokenFacts] | None = None,
    ) -> XRayResult:
        """Like :meth:`run_once`, returning the whole engine result (for the signal step)."""
        frame = await self._load()
        if (frame.exchange, frame.timeframe) != (exchange, timeframe):
            raise DataError(
                f"frame source gives {frame.exchange}/{frame.timeframe},"
                f" asked for {exchange}/{timeframe}"
            )
        result: XRayResult = await asyncio.to_thread(
            self._engine.analyse,
            frame,
            markets=markets,
            tickers=tickers,
            quarantined=quarantined,
            metadata=metadata,
            now_ms=self._clock.now_ms(),
        )
        doc = result.snapshot.to_json()
        await self._store(exchange, timeframe, doc, result.filter)
        await self._bus.publish(
            topics.xray_snapshot(exchange, timeframe), doc, type=SNAPSHOT_MESSAGE_TYPE
        )
        state = result.state
        log.info(
            "x-ray %s %s: %s (%.0f%%), %d of %d symbols in %.3fs",
            exchange,
            timeframe,
            state.regime.value,
            state.confidence * 100,
            result.snapshot.filtered,
            result.snapshot.scanned,
            result.snapshot.timings.get("total", 0.0),
        )
        return result

    async def latest(self, exchange: str, timeframe: str) -> dict[str, Any] | None:
        """Return the cached snapshot JSON, or None when absent or unreadable."""
        raw = await self._cache.get(CacheKeys.xray_snapshot(exchange, timeframe))
        if raw is None:
            return None
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError:
            log.warning("cached x-ray snapshot %s/%s is not JSON; ignored", exchange, timeframe)
            return None
        return doc if isinstance(doc, dict) else None

    async def cached_filter(self, exchange: str, timeframe: str) -> FilterResult | None:
        """Return the cached universe-filter result, or None when absent or unreadable."""
        raw = await self._cache.get(CacheKeys.filter_result(exchange, timeframe))
        if raw is None:
            return None
        try:
            return FilterResult.from_json(orjson.loads(raw))
        except (orjson.JSONDecodeError, DataError):
            log.warning("cached filter result %s/%s is malformed; ignored", exchange, timeframe)
            return None

    async def _load(self) -> MarketFrame:
        window = self._engine.settings.window
        try:
            # A sync store reads Parquet in a worker thread; an async one returns a
            # coroutine from the thread, awaited here on the loop.
            loaded = await asyncio.to_thread(self._source.load_frame, None, window)
            frame = await loaded if inspect.isawaitable(loaded) else loaded
        except SimbiotError:
            raise
        except Exception as exc:  # the store's own failure, translated once here
            raise DataError(f"loading the candle window failed: {exc}") from exc
        if not isinstance(frame, MarketFrame):
            raise DataError(f"frame source returned {type(frame).__name__}, not a MarketFrame")
        return frame

    async def _store(
        self, exchange: str, timeframe: str, doc: dict[str, Any], kept: FilterResult
    ) -> None:
        try:
            await self._cache.set(
                CacheKeys.xray_snapshot(exchange, timeframe), orjson.dumps(doc), self._ttl_s
            )
            await self._cache.set(
                CacheKeys.filter_result(exchange, timeframe),
                orjson.dumps(kept.to_json()),
                self._filter_ttl_s,
            )
        except StorageError as exc:
            log.warning("x-ray %s/%s not cached: %s", exchange, timeframe, exc)
