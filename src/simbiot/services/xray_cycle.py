"""One X-ray cycle of a venue: sync closed candles, then analyse the whole market.

Shared by ``simbiot xray``, ``simbiot demo`` and the analyzer service loop, so every entry
point runs the same steps in the same order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from simbiot.analysis.snapshot import XRaySnapshot
from simbiot.analysis.xray.engine import XRayResult
from simbiot.data.sync import ProgressCallback
from simbiot.data.sync_report import SyncReport
from simbiot.domain.errors import DataError, ExchangeError
from simbiot.domain.market import MarketInfo, Ticker
from simbiot.services.container import Container

__all__ = ["XRayCycleResult", "run_xray_cycle"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class XRayCycleResult:
    """What a cycle did: the sync report (None when not synced) and the engine's result."""

    sync: SyncReport | None
    result: XRayResult

    @property
    def snapshot(self) -> XRaySnapshot:
        """The published snapshot."""
        return self.result.snapshot

    def to_json(self) -> dict[str, Any]:
        """The snapshot document, with the sync summary under ``sync``."""
        doc = self.snapshot.to_json()
        doc["sync"] = self.sync.as_dict() if self.sync is not None else None
        return doc


async def run_xray_cycle(
    container: Container,
    *,
    exchange: str | None = None,
    timeframe: str | None = None,
    sync: bool = True,
    progress: ProgressCallback | None = None,
) -> XRayCycleResult:
    """Sync (when asked) and analyse one venue and timeframe; return both outcomes.

    Market metadata and tickers enrich the analysis; when the venue cannot give them the
    X-ray still runs on the stored candles (C4) and says so in the log.
    """
    venue = container.venue(exchange)
    tf = timeframe or container.settings.data.timeframe
    report: SyncReport | None = None
    if sync:
        candle_sync = await container.candle_sync(venue, tf)
        report = await candle_sync.run(progress=progress)
    markets: dict[str, MarketInfo] | None = None
    tickers: dict[str, Ticker] | None = None
    profiles = None
    try:
        profiles = await container.metadata(venue).profiles()
        markets = {symbol: p.market for symbol, p in profiles.items()}
        tickers = await container.market_data(venue).fetch_tickers()
    except (ExchangeError, DataError) as exc:
        log.warning("%s: metadata or tickers unavailable, analysing candles only: %s", venue, exc)
    quarantine = await container.quarantine(venue)
    quarantined = set(await quarantine.entries())
    # Champions promoted since the last cycle drive this cycle's detectors, not the next.
    try:
        await container.ml_predictor.champions.refresh()
    except Exception:
        log.warning(
            "champion models not refreshed; the X-ray runs with those loaded", exc_info=True
        )
    result = await container.analyzer(venue, tf).analyse_once(
        venue,
        tf,
        markets=markets,
        tickers=tickers,
        quarantined=quarantined,
        metadata=profiles,
    )
    return XRayCycleResult(report, result)
