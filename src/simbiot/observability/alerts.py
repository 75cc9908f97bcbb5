"""Forward critical log records to a monitoring channel (Telegram) without blocking.

The handler only enqueues; an :class:`AlertForwarder` task drains the queue into an
:class:`AlertSink` (the notifier), so a slow or failing channel never stalls logging.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

__all__ = ["AlertForwarder", "AlertHandler", "AlertSink"]

log = logging.getLogger(__name__)


class AlertSink(Protocol):
    """Where critical alerts go (the notifier's monitoring channel)."""

    async def send_alert(self, text: str) -> None: ...


class AlertHandler(logging.Handler):
    """Put formatted records at or above ``level`` on a bounded queue; drop when full."""

    def __init__(self, queue: asyncio.Queue[str], level: int = logging.CRITICAL) -> None:
        super().__init__(level)
        self._queue = queue
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == __name__:  # never alert about failing to alert
            return
        try:
            self._queue.put_nowait(self.format(record))
        except asyncio.QueueFull:
            self.dropped += 1
        except Exception:  # logging must never raise into the caller
            self.handleError(record)


class AlertForwarder:
    """Drain the alert queue into the sink in a background task."""

    def __init__(self, queue: asyncio.Queue[str], sink: AlertSink) -> None:
        self._queue = queue
        self._sink = sink
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start forwarding in the running loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="alert-forwarder")

    async def _run(self) -> None:
        while True:
            text = await self._queue.get()
            try:
                await self._sink.send_alert(text)
            except Exception:
                log.warning("alert could not be delivered", exc_info=True)

    async def stop(self) -> None:
        """Deliver what is queued (best effort), then stop."""
        while not self._queue.empty():
            text = self._queue.get_nowait()
            with contextlib.suppress(Exception):
                await self._sink.send_alert(text)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
