"""A consumer loop: fetch, handle, acknowledge; park poison messages; ride out outages.

Services (analyzer, trader, notifier) give it a subscription and an async handler. A handler
that raises leaves its message pending, so the bus re-delivers it after ``claim_idle_ms``
(to this or another replica). A message delivered ``max_deliveries`` times without success
is published to ``deadletter.<topic>`` with the last error and acknowledged, so one poison
message cannot loop forever. When the bus itself is unreachable (``CacheUnavailable``) the
loop waits with doubling backoff instead of spinning or dying.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from simbiot.bus import topics
from simbiot.bus.envelope import Envelope
from simbiot.bus.port import Bus, Delivery, Subscription
from simbiot.config.sections import BusSettings
from simbiot.domain.clock import Clock, LiveClock
from simbiot.domain.errors import CacheUnavailable
from simbiot.observability.metrics import BusMetrics

__all__ = ["Consumer", "Handler"]

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]
# Last errors are kept for the dead-letter record; other replicas' failures are not known here.
_MAX_REMEMBERED_ERRORS = 10_000


class Consumer:
    """Drive one subscription with one handler until stopped."""

    def __init__(
        self,
        bus: Bus,
        subscription: Subscription,
        handler: Handler,
        *,
        settings: BusSettings,
        clock: Clock | None = None,
        metrics: BusMetrics | None = None,
    ) -> None:
        self._bus = bus
        self._sub = subscription
        self._handler = handler
        self._settings = settings
        self._clock = clock if clock is not None else LiveClock()
        self._metrics = metrics
        self._stopping = asyncio.Event()
        self._last_error: dict[str, str] = {}

    def stop(self) -> None:
        """Ask :meth:`run` to return after the batch in hand."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until :meth:`stop`; bus outages are waited out with backoff."""
        backoff = 0.0
        while not self._stopping.is_set():
            try:
                await self.run_once()
                backoff = 0.0
            except CacheUnavailable as exc:
                backoff = min(max(backoff * 2, 0.1), self._settings.outage_backoff_max_s)
                log.warning("bus: unavailable, retrying in %.1f s: %s", backoff, exc)
                await self._clock.sleep(backoff)

    async def run_once(self, block_ms: int | None = None) -> int:
        """Fetch one batch, handle it, acknowledge the successes; return how many succeeded."""
        batch = await self._sub.fetch(self._settings.batch_size, block_ms)
        done: list[Delivery] = []
        handled = 0
        for delivery in batch:
            if delivery.attempts > self._settings.max_deliveries:
                await self._park(delivery)
                done.append(delivery)
            elif await self._handle(delivery):
                done.append(delivery)
                handled += 1
        if done:
            await self._sub.ack_many(done)
        return handled

    async def _handle(self, delivery: Delivery) -> bool:
        env = delivery.envelope
        try:
            await self._handler(env)
        except Exception as exc:  # any handler bug must not stop the consumer
            self._last_error[env.id] = f"{type(exc).__name__}: {exc}"
            if len(self._last_error) > _MAX_REMEMBERED_ERRORS:
                del self._last_error[next(iter(self._last_error))]
            log.exception(
                "bus: handler failed on %s (%s, attempt %d)", env.id, env.topic, delivery.attempts
            )
            self._count("failed", env.topic)
            return False
        self._last_error.pop(env.id, None)
        return True

    async def _park(self, delivery: Delivery) -> None:
        env = delivery.envelope
        await self._bus.publish(
            topics.dead_letter(env.topic),
            {
                "envelope": {
                    "id": env.id,
                    "topic": env.topic,
                    "type": env.type,
                    "version": env.version,
                    "ts_ms": env.ts_ms,
                    "headers": env.headers,
                    "payload": env.payload,
                },
                "attempts": delivery.attempts,
                "error": self._last_error.pop(env.id, None),
            },
            type="deadletter",
        )
        log.error(
            "bus: parked %s from %s after %d deliveries", env.id, env.topic, delivery.attempts
        )
        self._count("dead_lettered", env.topic)

    def _count(self, which: str, topic: str) -> None:
        if self._metrics is not None:
            self._metrics.count(getattr(self._metrics, which), topics.family(topic))
