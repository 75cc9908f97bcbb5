"""Helpers for exchange-layer unit tests: a discrete-event clock."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections.abc import Awaitable
from datetime import UTC, datetime

import pytest


class EventClock:
    """Simulated time where each sleeper wakes exactly at its own deadline.

    ``run`` drives the tasks: it lets them run until all are asleep on this clock, then
    jumps to the earliest deadline. Unlike a clock whose ``sleep`` advances time immediately, concurrent
    sleepers do not push each other's wake-ups later.
    """

    def __init__(self, start_ms: int = 0) -> None:
        self._now = start_ms
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now_ms(self) -> int:
        return self._now

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now / 1000, tz=UTC)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (math.ceil(self._now + seconds * 1000), next(self._seq), fut))
        await fut

    async def run(self, *aws: Awaitable[object]) -> list[object]:
        """Run ``aws`` to completion under simulated time; return their results."""
        tasks = [asyncio.ensure_future(a) for a in aws]
        while not all(t.done() for t in tasks):
            for _ in range(10):
                await asyncio.sleep(0)
            live = sum(not t.done() for t in tasks)
            if len(self._heap) < live:
                # Some task is waiting on real I/O (Redis): give it real time.
                await asyncio.sleep(0.0005)
                continue
            if self._heap:
                at, _, fut = heapq.heappop(self._heap)
                self._now = max(self._now, at)
                if not fut.done():
                    fut.set_result(None)
        return [t.result() for t in tasks]


@pytest.fixture
def event_clock() -> EventClock:
    return EventClock()
