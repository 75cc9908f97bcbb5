from __future__ import annotations

import asyncio
import logging

from simbiot.observability.alerts import AlertForwarder, AlertHandler


class _Sink:
    def __init__(self, fail_first: int = 0) -> None:
        self.sent: list[str] = []
        self.fail_first = fail_first

    async def send_alert(self, text: str) -> None:
        if self.fail_first:
            self.fail_first -= 1
            raise ConnectionError("channel down")
        self.sent.append(text)


async def test_only_critical_records_are_forwarded() -> None:
    queue: asyncio.Queue[str] = asyncio.Queue(maxsize=10)
    handler = AlertHandler(queue)
    logger = logging.getLogger("simbiot.test.alerts")
    logger.addHandler(handler)
    sink = _Sink()
    forwarder = AlertForwarder(queue, sink)
    forwarder.start()
    try:
        logger.error("not an alert")
        logger.critical("database lost")
        for _ in range(50):
            if sink.sent:
                break
            await asyncio.sleep(0.01)
    finally:
        logger.removeHandler(handler)
        await forwarder.stop()
    assert sink.sent == ["database lost"]


async def test_full_queue_drops_instead_of_blocking() -> None:
    queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
    handler = AlertHandler(queue)
    logger = logging.getLogger("simbiot.test.alerts.full")
    logger.addHandler(handler)
    try:
        logger.critical("one")
        logger.critical("two")
    finally:
        logger.removeHandler(handler)
    assert handler.dropped == 1


async def test_failing_sink_does_not_stop_forwarding() -> None:
    queue: asyncio.Queue[str] = asyncio.Queue()
    sink = _Sink(fail_first=1)
    forwarder = AlertForwarder(queue, sink)
    forwarder.start()
    await queue.put("a")
    await queue.put("b")
    for _ in range(50):
        if sink.sent:
            break
        await asyncio.sleep(0.01)
    await forwarder.stop()
    assert sink.sent == ["b"]
