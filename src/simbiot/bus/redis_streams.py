"""The production bus: Redis Streams with consumer groups.

One stream per topic (``stream_prefix + topic``), capped with ``XADD MAXLEN ~``. A group is
created with ``XGROUP CREATE … $ MKSTREAM`` (an existing group is kept). ``fetch`` first
re-claims entries idle longer than ``claim_idle_ms`` with XAUTOCLAIM and reads their delivery
counts with XPENDING, then reads new entries with XREADGROUP. An entry that does not decode
is acknowledged and counted, so one bad producer never wedges a consumer. Redis outages
surface as ``CacheUnavailable``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from simbiot.bus import topics
from simbiot.bus.delivery import BusDelivery
from simbiot.bus.envelope import Envelope
from simbiot.bus.port import Delivery
from simbiot.bus.publishing import EnvelopePublisher
from simbiot.cache.redis_support import make_client, redis_errors
from simbiot.config.sections import BusSettings
from simbiot.domain.clock import Clock, LiveClock
from simbiot.domain.errors import DataError
from simbiot.observability.metrics import BusMetrics

__all__ = ["RedisStreamsBus", "RedisSubscription"]

log = logging.getLogger(__name__)

FIELD = b"e"
# A blocking read must return before the socket timeout would abort it.
_BLOCK_MARGIN_MS = 500


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisStreamsBus(EnvelopePublisher):
    """Publish/subscribe over Redis Streams consumer groups."""

    def __init__(
        self,
        settings: BusSettings,
        *,
        metrics: BusMetrics | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._clock = clock if clock is not None else LiveClock()
        self._client = make_client(
            settings.redis_url,
            max_connections=settings.max_connections,
            socket_timeout_s=settings.socket_timeout_s,
            connect_timeout_s=settings.connect_timeout_s,
            pool_timeout_s=settings.socket_timeout_s,
        )
        self._max_block_ms = max(1, int(settings.socket_timeout_s * 1000) - _BLOCK_MARGIN_MS)

    @property
    def settings(self) -> BusSettings:
        """The settings this bus runs with."""
        return self._settings

    def stream_key(self, topic: str) -> str:
        """Redis key of the stream behind ``topic``."""
        return self._settings.stream_prefix + topics.validate(topic)

    async def stream_length(self, topic: str) -> int:
        """How many messages the topic's stream holds now (XLEN)."""
        with redis_errors("XLEN"):
            return int(await self._client.xlen(self.stream_key(topic)))

    async def publish_raw(self, topic: str, raw: bytes) -> str:
        """Append already-encoded envelope bytes (a relay's path); return the entry id."""
        with redis_errors("XADD"):
            entry_id = await self._client.xadd(
                self.stream_key(topic),
                {FIELD: raw},
                maxlen=self._settings.stream_maxlen,
                approximate=True,
            )
        if self._metrics is not None:
            self._metrics.count(self._metrics.published, topics.family(topic))
        return _text(entry_id)

    async def subscribe(self, topic: str, *, group: str, consumer: str) -> RedisSubscription:
        """Join ``group`` on ``topic`` as ``consumer``; a new group starts at new messages."""
        key = self.stream_key(topic)
        try:
            with redis_errors("XGROUP CREATE"):
                await self._client.xgroup_create(key, group, id="$", mkstream=True)
        except DataError as exc:
            if not isinstance(exc.__cause__, ResponseError) or "BUSYGROUP" not in str(exc):
                raise
        return RedisSubscription(self, topic, key, group, consumer)

    async def _claim_stale(self, sub: RedisSubscription, limit: int) -> list[tuple[str, Any]]:
        with redis_errors("XAUTOCLAIM"):
            reply = await self._client.xautoclaim(
                sub.key,
                sub.group,
                sub.consumer,
                min_idle_time=self._settings.claim_idle_ms,
                start_id=sub.claim_cursor,
                count=limit,
            )
        # Resume the pending-list walk where it stopped (Redis answers "0-0" at its end), so
        # long-running in-flight entries at its head never hide stale ones behind them.
        sub.claim_cursor = _text(reply[0])
        # Entries trimmed from the stream come back in reply[2] and Redis has already
        # dropped them from the pending list.
        return [(_text(eid), fields) for eid, fields in reply[1]]

    async def _attempts(self, sub: RedisSubscription, ids: list[str]) -> dict[str, int]:
        if not ids:
            return {}
        with redis_errors("XPENDING"):
            async with self._client.pipeline(transaction=False) as pipe:
                for eid in ids:
                    pipe.xpending_range(sub.key, sub.group, eid, eid, 1, sub.consumer)
                replies = await pipe.execute()
        counts: dict[str, int] = {}
        for rows in replies:
            for row in rows:
                counts[_text(row["message_id"])] = int(row["times_delivered"])
        return counts

    async def _read_new(
        self, sub: RedisSubscription, limit: int, block_ms: int
    ) -> list[tuple[str, Any]]:
        with redis_errors("XREADGROUP"):
            reply: Any = await self._client.xreadgroup(
                sub.group,
                sub.consumer,
                {sub.key: ">"},
                count=limit,
                # BLOCK 0 would wait forever; no BLOCK returns at once.
                block=block_ms if block_ms > 0 else None,
            )
        out: list[tuple[str, Any]] = []
        # RESP2 shape: [[stream, [(id, {field: value}), ...]]], or empty on timeout.
        for _stream, entries in reply or ():
            out.extend((_text(eid), fields) for eid, fields in entries)
        return out

    async def ack_ids(self, sub: RedisSubscription, *ids: str) -> int:
        """Acknowledge entries of ``sub``'s group by id; return how many were pending."""
        with redis_errors("XACK"):
            n = int(await self._client.xack(sub.key, sub.group, *ids))
        if self._metrics is not None:
            self._metrics.count(self._metrics.acked, topics.family(sub.topic), n)
        return n

    async def _ack_one(self, sub: RedisSubscription, entry_id: str) -> None:
        await self.ack_ids(sub, entry_id)

    async def _deliveries(
        self, sub: RedisSubscription, entries: list[tuple[str, Any]], attempts: dict[str, int]
    ) -> list[BusDelivery]:
        out: list[BusDelivery] = []
        bad: list[str] = []
        for eid, fields in entries:
            try:
                raw = fields.get(FIELD) if isinstance(fields, dict) else None
                if not isinstance(raw, bytes):
                    raise DataError(f"entry has no {FIELD!r} field")
                envelope = Envelope.decode(raw)
            except DataError as exc:
                log.warning("bus: skipping malformed entry %s on %s: %s", eid, sub.key, exc)
                bad.append(eid)
                continue
            ack = partial(self._ack_one, sub, eid)
            out.append(BusDelivery(envelope, attempts.get(eid, 1), eid, ack))
        if bad:
            await self.ack_ids(sub, *bad)
        if self._metrics is not None:
            fam = topics.family(sub.topic)
            self._metrics.count(self._metrics.malformed, fam, len(bad))
            self._metrics.count(self._metrics.delivered, fam, len(out))
        return out

    async def fetch(
        self, sub: RedisSubscription, max_messages: int, block_ms: int | None
    ) -> list[BusDelivery]:
        """Serve one ``Subscription.fetch`` call."""
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        wait_ms = self._settings.block_ms if block_ms is None else block_ms
        stale = await self._claim_stale(sub, max_messages)
        if stale and self._metrics is not None:
            self._metrics.count(self._metrics.reclaimed, topics.family(sub.topic), len(stale))
        attempts = await self._attempts(sub, [eid for eid, _ in stale])
        out = await self._deliveries(sub, stale, attempts)
        if len(out) < max_messages:
            # Wait for new entries only when there was nothing stale to hand out.
            block = 0 if stale else min(wait_ms, self._max_block_ms)
            fresh = await self._read_new(sub, max_messages - len(out), block)
            out += await self._deliveries(sub, fresh, {})
        return out

    async def close(self) -> None:
        """Close the client and its pool."""
        await self._client.aclose()

    @property
    def client(self) -> aioredis.Redis:
        """The underlying client (for administration and tests)."""
        return self._client


class RedisSubscription:
    """One consumer of a group on a topic of a :class:`RedisStreamsBus`."""

    def __init__(
        self, bus: RedisStreamsBus, topic: str, key: str, group: str, consumer: str
    ) -> None:
        self._bus = bus
        self.topic = topic
        self.key = key
        self.group = group
        self.consumer = consumer
        self.claim_cursor = "0-0"
        self._closed = False

    async def fetch(
        self, max_messages: int = 100, block_ms: int | None = None
    ) -> Sequence[BusDelivery]:
        """Return up to ``max_messages``: first re-claimed stale ones, then new ones."""
        if self._closed:
            raise RuntimeError("fetch on a closed subscription")
        return await self._bus.fetch(self, max_messages, block_ms)

    async def ack_many(self, deliveries: Sequence[Delivery]) -> int:
        """Acknowledge several deliveries with one XACK; return how many were pending."""
        ids = [d.message_id for d in deliveries]
        return await self._bus.ack_ids(self, *ids) if ids else 0

    async def close(self) -> None:
        """Stop consuming; messages this consumer left pending are re-claimed by others."""
        self._closed = True
