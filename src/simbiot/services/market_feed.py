"""Market data for users (P3): the X-ray snapshot, strategy signals and model predictions,
read from what the running analysis publishes to the cache.

The trading cycle caches the snapshot (``CacheKeys.xray_snapshot``), each evaluated
configuration's signals (``CacheKeys.signals``) and, through :func:`publish_predictions`,
every champion model's batch (``CacheKeys.predictions``). Readers share those entries, so
a thousand users cost cache reads only. When an entry is missing (no trading loop, or it
expired), :meth:`MarketFeed.refresh` runs the analysis once on the stored candles:
single-flight within a process (one lock) and across processes (the first to claim
``CacheKeys.xray_refresh`` for the TTL), never once per user.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import orjson

from simbiot.cache.keys import CacheKeys, CacheKind
from simbiot.cache.ttl import TTLPolicy
from simbiot.domain.errors import SimbiotError
from simbiot.domain.frame import MarketFrame
from simbiot.learning.inference import Predictions
from simbiot.learning.roles import ROLES
from simbiot.services.container import Container
from simbiot.services.signal_cycle import strategy_subscriptions
from simbiot.services.xray_cycle import run_xray_cycle
from simbiot.signals import SignalInputs, StrategyConfig

__all__ = ["MarketFeed", "publish_predictions"]

log = logging.getLogger(__name__)


async def publish_predictions(container: Container, frame: MarketFrame) -> int:
    """Cache every champion's predictions of ``frame`` for the API; return how many models.

    The batch is the one the trading cycle computed for this frame (kept by the predictor),
    so publishing costs no second prediction. Without a champion nothing is written.
    """
    predictor = container.ml_predictor
    await predictor.champions.refresh()
    if not predictor.champions.loaded():
        return 0
    batch = await asyncio.to_thread(predictor.batch, frame)
    if batch is None:
        return 0
    ttl = TTLPolicy(container.settings.cache.ttl).for_kind(CacheKind.PREDICTIONS)
    items = {
        CacheKeys.predictions(name, frame.exchange, frame.timeframe): p.encode()
        for name, p in batch.predictions.items()
    }
    if items:
        await container.cache.set_many(items, ttl)
    return len(items)


class MarketFeed:
    """Cached market views of the default venue and timeframe, refreshed on demand."""

    def __init__(self, container: Container) -> None:
        self._c = container
        self._lock = asyncio.Lock()
        self._ttl = TTLPolicy(container.settings.cache.ttl).for_kind(CacheKind.XRAY)

    @property
    def venue(self) -> str:
        return self._c.venue(None)

    @property
    def timeframe(self) -> str:
        return self._c.settings.data.timeframe

    async def _get_json(self, key: str) -> Any:
        try:
            raw = await self._c.cache.get(key)
        except SimbiotError as exc:
            log.warning("market cache unavailable: %s", exc)
            return None
        if raw is None:
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            log.warning("cached %s is not JSON; ignored", key)
            return None

    async def _cached_snapshot(self) -> dict[str, Any] | None:
        doc = await self._get_json(CacheKeys.xray_snapshot(self.venue, self.timeframe))
        return doc if isinstance(doc, dict) else None

    async def snapshot(self) -> dict[str, Any] | None:
        """The latest X-ray snapshot document (refreshed once when missing), or None."""
        doc = await self._cached_snapshot()
        if doc is None:
            await self.refresh()
            doc = await self._cached_snapshot()
        return doc

    async def signals(self, configs: Sequence[StrategyConfig]) -> list[dict[str, Any]]:
        """The cached signal batches of ``configs`` (the defaults refreshed when missing)."""
        keys = [CacheKeys.signals(c.config_id) for c in configs]
        found = await self._batches(keys)
        if len(found) < len(keys):
            await self.refresh()
            found = await self._batches(keys)
        return found

    async def _batches(self, keys: list[str]) -> list[dict[str, Any]]:
        if not keys:
            return []
        try:
            raws = await self._c.cache.get_many(keys)
        except SimbiotError as exc:
            log.warning("market cache unavailable: %s", exc)
            return []
        out = []
        for raw in raws:
            if raw is None:
                continue
            try:
                doc = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            if isinstance(doc, dict):
                out.append(doc)
        return out

    async def predictions(self) -> dict[str, Predictions]:
        """Every model role's cached batch (refreshed once when none is cached)."""
        found = await self._predictions()
        if not found:
            await self.refresh()
            found = await self._predictions()
        return found

    async def _predictions(self) -> dict[str, Predictions]:
        keys = [CacheKeys.predictions(r.name, self.venue, self.timeframe) for r in ROLES]
        try:
            raws = await self._c.cache.get_many(keys)
        except SimbiotError as exc:
            log.warning("market cache unavailable: %s", exc)
            return {}
        out: dict[str, Predictions] = {}
        for role, raw in zip(ROLES, raws, strict=True):
            if raw is None:
                continue
            try:
                out[role.name] = Predictions.decode(raw)
            except SimbiotError:
                continue
        return out

    async def refresh(self) -> bool:
        """Run the analysis once for everyone if nobody did within the TTL; return whether
        this call ran it. Failures are logged: readers then get what the cache holds
        (callers that waited on the lock read what the first one published)."""
        async with self._lock:
            key = CacheKeys.xray_refresh(self.venue, self.timeframe)
            try:
                claim = await self._c.cache.incr(key, 1, self._ttl)
            except SimbiotError as exc:
                log.warning("cannot claim the market refresh: %s", exc)
                return False
            if claim > 1:
                return False  # this process or another one ran it within the TTL
            try:
                await self._run()
            except SimbiotError as exc:
                log.warning("on-demand market analysis failed: %s", exc)
                return False
            return True

    async def _run(self) -> None:
        c = self._c
        result = await run_xray_cycle(c, sync=False)
        subs = strategy_subscriptions(c.strategies)
        await c.signal_service.run_cycle(SignalInputs.from_xray(result.result), subs)
        try:
            await publish_predictions(c, result.result.frame)
        except (SimbiotError, ValueError) as exc:
            log.warning("predictions not published: %s", exc)
