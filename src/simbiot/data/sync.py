"""Incremental sync of closed candles for every available symbol (D1, D2, F3, G10, C3).

One run: list the available, non-quarantined symbols; in batches of ``batch_size``, check
the network, fetch each symbol's new candles from ``last stored + timeframe`` (paging with
the venue's candle limit) through a bounded task pool, clean them, and then, for the
batch as a whole: write the store, write each symbol's cache window
(``ohlcv:<symbol>:<tf>:<since>``), publish one ``candles.closed.<exchange>.<tf>`` message,
and update the quarantine. A failing symbol is counted and isolated; it never stops the
others. When the network check fails the run stops and nobody is blamed: failures seen
while the venue was unreachable are not counted against symbols.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simbiot.bus import topics
from simbiot.bus.port import Bus
from simbiot.cache.codec import encode_candles
from simbiot.cache.keys import CacheKeys
from simbiot.cache.port import Cache
from simbiot.config.sections import CacheTTLSettings, DataSettings
from simbiot.data.cleaning import clean_candles
from simbiot.data.quarantine import Quarantine
from simbiot.data.store_port import CandleStore
from simbiot.data.sync_report import SyncReport
from simbiot.data.universe import Universe
from simbiot.domain.clock import Clock
from simbiot.domain.errors import ConfigError, RetryableError, SimbiotError
from simbiot.domain.market import CANDLE_COLUMNS, Candles
from simbiot.domain.timeframes import align_down, timeframe_ms
from simbiot.exchange.capabilities import capabilities
from simbiot.exchange.ports import MarketDataPort

__all__ = ["CANDLES_CLOSED", "CandleSync", "ProgressCallback"]

log = logging.getLogger(__name__)

CANDLES_CLOSED = "candles.closed"
ProgressCallback = Callable[[int, int], None]
_FALLBACK_PAGE_LIMIT = 500


@dataclass(slots=True)
class _Fetched:
    symbol: str
    candles: Candles | None = None
    requests: int = 0
    error: BaseException | None = None


def _concat(symbol: str, timeframe: str, pages: list[Candles]) -> Candles:
    if len(pages) == 1:
        return pages[0]
    cols = [np.concatenate([getattr(p, c) for p in pages]) for c in CANDLE_COLUMNS]
    return Candles(symbol, timeframe, *cols)


class CandleSync:
    """Keep one exchange's candles of one timeframe up to date in store and cache."""

    def __init__(
        self,
        market_data: MarketDataPort,
        store: CandleStore,
        cache: Cache,
        bus: Bus,
        quarantine: Quarantine,
        clock: Clock,
        settings: DataSettings,
        ttl: CacheTTLSettings,
        *,
        universe: Universe | None = None,
    ) -> None:
        self._md = market_data
        self._store = store
        self._cache = cache
        self._bus = bus
        self._quarantine = quarantine
        self._clock = clock
        self._settings = settings
        self._ttl = ttl
        self._universe = universe
        self._tf = store.timeframe
        self._step = timeframe_ms(self._tf)
        self._page_limit = settings.page_limit or self._venue_page_limit(market_data.exchange)
        self._topic = topics.candles_closed(market_data.exchange, self._tf)

    @staticmethod
    def _venue_page_limit(exchange: str) -> int:
        try:
            return capabilities(exchange).ohlcv_limit
        except ConfigError:
            return _FALLBACK_PAGE_LIMIT

    @property
    def page_limit(self) -> int:
        """Candles asked for per request."""
        return self._page_limit

    def window_since(self, now_ms: int) -> int:
        """Open time of the first candle of the cached window at ``now_ms``."""
        last_closed = align_down(now_ms, self._tf) - self._step
        return last_closed - (self._settings.history_candles - 1) * self._step

    async def run(
        self,
        symbols: Sequence[str] | None = None,
        *,
        since_ms: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """Sync ``symbols`` (default: the universe); new symbols start at ``since_ms``."""
        started = time.perf_counter()  # duration only; candle times come from the clock
        report = SyncReport(self._md.exchange, self._tf)
        if symbols is None:
            if self._universe is None:
                raise ValueError("no symbols given and no universe to list them")
            symbols = await self._universe.symbols()
        wanted = list(dict.fromkeys(symbols))
        todo = await self._quarantine.available(wanted)
        report.symbols_total = len(wanted)
        report.symbols_skipped = len(wanted) - len(todo)
        done = 0
        size = self._settings.batch_size
        writing: asyncio.Task[None] | None = None
        try:
            for start in range(0, len(todo), size):
                batch = todo[start : start + size]
                if not await self._network_ok(report):
                    report.network_down = True
                    report.symbols_not_attempted = len(todo) - start
                    log.warning(
                        "%s unreachable: sync stopped, %d symbols left",
                        self._md.exchange,
                        len(todo) - start,
                    )
                    break
                now = self._clock.now_ms()
                fetched = await self._fetch_batch(batch, now, since_ms, progress, done, len(todo))
                done += len(batch)
                if writing is not None:
                    await writing
                # The batch's writes overlap the next batch's requests.
                writing = asyncio.create_task(self._finish_batch(fetched, now, report))
            if writing is not None:
                await writing
                writing = None
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
        report.seconds = time.perf_counter() - started
        log.info("sync %s %s: %s", self._md.exchange, self._tf, report.as_dict())
        return report

    async def _network_ok(self, report: SyncReport) -> bool:
        report.pings += 1
        try:
            return await self._md.ping()
        except Exception as exc:  # any failure to answer means "unreachable"
            log.debug("ping %s failed: %s", self._md.exchange, exc)
            return False

    async def _fetch_batch(
        self,
        batch: list[str],
        now: int,
        since_ms: int | None,
        progress: ProgressCallback | None,
        done: int,
        total: int,
    ) -> list[_Fetched]:
        lasts = await asyncio.to_thread(lambda: [self._store.last_timestamp(s) for s in batch])
        last_closed = align_down(now, self._tf) - self._step
        default_since = (
            since_ms
            if since_ms is not None
            else last_closed - (self._settings.history_candles - 1) * self._step
        )
        gate = asyncio.Semaphore(self._settings.max_concurrency)
        counter = [done]

        async def one(symbol: str, last: int | None) -> _Fetched:
            async with gate:
                since = default_since if last is None else last + self._step
                out = await self._fetch_symbol(symbol, align_down(since, self._tf), last_closed)
            counter[0] += 1
            if progress is not None:
                progress(counter[0], total)
            return out

        return list(await asyncio.gather(*(one(s, t) for s, t in zip(batch, lasts, strict=True))))

    async def _fetch_symbol(self, symbol: str, since: int, last_closed: int) -> _Fetched:
        out = _Fetched(symbol)
        pages: list[Candles] = []
        cursor = since
        try:
            while cursor <= last_closed:
                page = await self._md.fetch_ohlcv(
                    symbol, self._tf, since_ms=cursor, limit=self._page_limit
                )
                out.requests += 1
                if len(page) == 0:
                    break
                pages.append(page)
                newest = int(page.timestamp.max())
                if len(page) < self._page_limit or newest < cursor:
                    break
                cursor = newest + self._step
        except SimbiotError as exc:
            out.error = exc
            return out
        except Exception as exc:  # a bug for one symbol must not stop the others (C3)
            log.exception("unexpected error syncing %s", symbol)
            out.error = exc
            return out
        out.candles = _concat(symbol, self._tf, pages) if pages else Candles.empty(symbol, self._tf)
        return out

    async def _finish_batch(self, fetched: list[_Fetched], now: int, report: SyncReport) -> None:
        report.batches += 1
        failed = [f for f in fetched if f.error is not None]
        ok = [f for f in fetched if f.error is None]
        report.requests += sum(f.requests for f in fetched)
        cleaned: list[Candles] = []
        for f in ok:
            assert f.candles is not None
            candles, cleaning = clean_candles(f.candles, self._tf, now)
            report.add_cleaning(cleaning)
            if len(candles):
                cleaned.append(candles)
        window_since = self.window_since(now)
        added, windows = await asyncio.to_thread(self._write, cleaned, window_since)
        report.candles += sum(added.values())
        report.symbols_ok += len(ok)
        if windows:
            await self._cache.set_many(windows, self._ttl.ohlcv)
        updated = sorted(s for s, n in added.items() if n)
        if updated:
            await self._bus.publish(
                self._topic,
                {
                    "exchange": self._md.exchange,
                    "timeframe": self._tf,
                    "symbols": updated,
                    "last_closed_ms": align_down(now, self._tf) - self._step,
                    "window_since_ms": window_since,
                    "candles": sum(added.values()),
                },
                type=CANDLES_CLOSED,
            )
            report.messages += 1
        await self._quarantine.record_successes([f.symbol for f in ok])
        await self._record_failures(failed, report)

    def _write(
        self, cleaned: list[Candles], window_since: int
    ) -> tuple[dict[str, int], dict[str, bytes]]:
        added = self._store.append_many(cleaned)
        windows: dict[str, bytes] = {}
        for symbol, n in added.items():
            if not n:
                continue
            stored = self._store.read(symbol)
            first = int(np.searchsorted(stored.timestamp, window_since, side="left"))
            key = CacheKeys.ohlcv(symbol, self._tf, window_since)
            windows[key] = encode_candles(stored.slice(first))
        return added, windows

    async def _record_failures(self, failed: list[_Fetched], report: SyncReport) -> None:
        report.symbols_failed += len(failed)
        for f in failed:
            report.failures[f.symbol] = f"{type(f.error).__name__}: {f.error}"
        if not failed:
            return
        # Transient failures may mean the venue itself went away mid-batch: ask before blaming.
        if any(isinstance(f.error, RetryableError) for f in failed) and not await self._network_ok(
            report
        ):
            report.network_down = True
            log.warning("%s unreachable after a batch: failures not counted", self._md.exchange)
            return
        for f in failed:
            assert f.error is not None
            if await self._quarantine.record_failure(f.symbol, f.error):
                report.quarantined.append(f.symbol)
