"""The in-memory bus: the embedded-mode and test twin of the Redis Streams bus.

It keeps Redis Streams' consumer-group semantics so code tested here behaves the same on
Redis: one bounded stream per topic; per group a read offset and a pending-entries list
(consumer, last delivery time, delivery count); ``ack`` removes an entry from that list;
``fetch`` first re-claims entries pending longer than ``claim_idle_ms`` (measured on the
injected clock, like XAUTOCLAIM), then reads new ones. Entries are stored encoded, so a
malformed one is acknowledged and counted exactly as on Redis. Only the idle time uses the
clock: a blocking ``fetch`` waits in real time for a publish, as a socket would.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from simbiot.bus import topics
from simbiot.bus.delivery import BusDelivery
from simbiot.bus.envelope import Envelope
from simbiot.bus.port import Delivery
from simbiot.bus.publishing import EnvelopePublisher
from simbiot.config.sections import BusSettings
from simbiot.domain.clock import Clock, LiveClock
from simbiot.domain.errors import DataError
from simbiot.observability.metrics import BusMetrics

__all__ = ["MemoryBus", "MemorySubscription"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Pending:
    consumer: str
    delivered_ms: int
    count: int


@dataclass(slots=True)
class _Group:
    last_seq: int
    pending: OrderedDict[int, _Pending] = field(default_factory=OrderedDict)


@dataclass(slots=True)
class _Stream:
    entries: deque[bytes] = field(default_factory=deque)
    first_seq: int = 1  # sequence number of entries[0]
    groups: dict[str, _Group] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def next_seq(self) -> int:
        return self.first_seq + len(self.entries)

    def raw(self, seq: int) -> bytes | None:
        idx = seq - self.first_seq
        return self.entries[idx] if 0 <= idx < len(self.entries) else None


class MemoryBus(EnvelopePublisher):
    """Publish/subscribe with consumer groups inside one process."""

    def __init__(
        self,
        settings: BusSettings | None = None,
        clock: Clock | None = None,
        *,
        metrics: BusMetrics | None = None,
    ) -> None:
        self._settings = settings if settings is not None else BusSettings()
        self._clock = clock if clock is not None else LiveClock()
        self._metrics = metrics
        self._streams: dict[str, _Stream] = {}

    @property
    def settings(self) -> BusSettings:
        """The settings this bus runs with."""
        return self._settings

    def _stream(self, topic: str) -> _Stream:
        stream = self._streams.get(topic)
        if stream is None:
            stream = self._streams[topic] = _Stream()
        return stream

    def stream_length(self, topic: str) -> int:
        """How many messages the topic's stream holds now."""
        stream = self._streams.get(topic)
        return 0 if stream is None else len(stream.entries)

    async def publish_raw(self, topic: str, raw: bytes) -> str:
        """Append already-encoded envelope bytes (a relay's path); return the message id."""
        stream = self._stream(topics.validate(topic))
        seq = stream.next_seq
        stream.entries.append(bytes(raw))
        # Exact trimming; Redis trims approximately (MAXLEN ~), never below the cap.
        while len(stream.entries) > self._settings.stream_maxlen:
            stream.entries.popleft()
            stream.first_seq += 1
        if self._metrics is not None:
            self._metrics.count(self._metrics.published, topics.family(topic))
        # Wake every blocked fetch on this topic, then arm a fresh event for the next wait.
        stream.changed.set()
        stream.changed = asyncio.Event()
        return str(seq)

    async def subscribe(self, topic: str, *, group: str, consumer: str) -> MemorySubscription:
        """Join ``group`` on ``topic`` as ``consumer``; a new group starts at new messages."""
        stream = self._stream(topics.validate(topic))
        if group not in stream.groups:
            stream.groups[group] = _Group(last_seq=stream.next_seq - 1)
        return MemorySubscription(self, topic, stream, group, consumer)

    def _claim_stale(self, sub: MemorySubscription, limit: int) -> list[tuple[int, int]]:
        grp = sub.stream.groups[sub.group]
        now = self._clock.now_ms()
        claimed: list[tuple[int, int]] = []
        for seq, pending in list(grp.pending.items()):
            if len(claimed) >= limit:
                break
            if seq < sub.stream.first_seq:  # trimmed away: XAUTOCLAIM drops it too
                del grp.pending[seq]
                continue
            if now - pending.delivered_ms >= self._settings.claim_idle_ms:
                pending.consumer, pending.delivered_ms = sub.consumer, now
                pending.count += 1
                claimed.append((seq, pending.count))
        return claimed

    def _read_new(self, sub: MemorySubscription, limit: int) -> list[tuple[int, int]]:
        grp = sub.stream.groups[sub.group]
        now = self._clock.now_ms()
        start = max(grp.last_seq + 1, sub.stream.first_seq)
        stop = min(sub.stream.next_seq, start + limit)
        for seq in range(start, stop):
            grp.pending[seq] = _Pending(sub.consumer, now, 1)
        grp.last_seq = max(grp.last_seq, stop - 1)
        return [(seq, 1) for seq in range(start, stop)]

    def _ack(self, stream: _Stream, group: str, topic: str, seq: int) -> bool:
        removed = stream.groups[group].pending.pop(seq, None) is not None
        if removed and self._metrics is not None:
            self._metrics.count(self._metrics.acked, topics.family(topic))
        return removed

    def ack_ids(self, sub: MemorySubscription, ids: Sequence[str]) -> int:
        """Acknowledge messages of ``sub``'s group by id; return how many were pending."""
        return sum(self._ack(sub.stream, sub.group, sub.topic, int(i)) for i in ids)

    async def _ack_async(self, stream: _Stream, group: str, topic: str, seq: int) -> None:
        self._ack(stream, group, topic, seq)

    def _deliveries(
        self, sub: MemorySubscription, picked: list[tuple[int, int]], reclaimed: bool
    ) -> list[BusDelivery]:
        out: list[BusDelivery] = []
        fam = topics.family(sub.topic)
        for seq, attempts in picked:
            raw = sub.stream.raw(seq)
            try:
                if raw is None:
                    raise DataError("entry trimmed before delivery")
                envelope = Envelope.decode(raw)
            except DataError as exc:
                log.warning("bus: skipping malformed message %s on %s: %s", seq, sub.topic, exc)
                self._ack(sub.stream, sub.group, sub.topic, seq)
                if self._metrics is not None:
                    self._metrics.count(self._metrics.malformed, fam)
                continue
            ack = partial(self._ack_async, sub.stream, sub.group, sub.topic, seq)
            out.append(BusDelivery(envelope, attempts, str(seq), ack))
        if self._metrics is not None:
            self._metrics.count(self._metrics.delivered, fam, len(out))
            if reclaimed:
                self._metrics.count(self._metrics.reclaimed, fam, len(picked))
        return out

    async def fetch(
        self, sub: MemorySubscription, max_messages: int, block_ms: int | None
    ) -> list[BusDelivery]:
        """Serve one ``Subscription.fetch`` call."""
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        wait_ms = self._settings.block_ms if block_ms is None else block_ms
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_ms / 1000
        while True:
            # Read the event before looking, so a publish in between still wakes us.
            changed = sub.stream.changed
            out = self._deliveries(sub, self._claim_stale(sub, max_messages), reclaimed=True)
            out += self._deliveries(sub, self._read_new(sub, max_messages - len(out)), False)
            remaining = deadline - loop.time()
            if out or remaining <= 0:
                return out
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                return []

    async def close(self) -> None:
        """Forget every stream."""
        self._streams.clear()


class MemorySubscription:
    """One consumer of a group on a topic of a :class:`MemoryBus`."""

    def __init__(
        self, bus: MemoryBus, topic: str, stream: _Stream, group: str, consumer: str
    ) -> None:
        self._bus = bus
        self.topic = topic
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self._closed = False

    async def fetch(
        self, max_messages: int = 100, block_ms: int | None = None
    ) -> Sequence[BusDelivery]:
        """Return up to ``max_messages``: first re-claimed stale ones, then new ones."""
        if self._closed:
            raise RuntimeError("fetch on a closed subscription")
        return await self._bus.fetch(self, max_messages, block_ms)

    async def ack_many(self, deliveries: Sequence[Delivery]) -> int:
        """Acknowledge several deliveries; return how many were still pending."""
        return self._bus.ack_ids(self, [d.message_id for d in deliveries])

    async def close(self) -> None:
        """Stop consuming; messages this consumer left pending are re-claimed by others."""
        self._closed = True
