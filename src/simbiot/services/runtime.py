"""Run a service until SIGTERM/SIGINT, then drain: stop taking work, finish what is in flight."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["ShutdownSignal", "run_until_stopped"]

log = logging.getLogger(__name__)


class ShutdownSignal:
    """An event set by SIGTERM/SIGINT (or by :meth:`request`), awaited by service loops."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.reason: str | None = None

    def request(self, reason: str = "requested") -> None:
        """Ask every loop to stop after its current step."""
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    async def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the signal (at most ``timeout_s``); return whether it was given."""
        if timeout_s is None:
            await self._event.wait()
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout_s)
        return self._event.is_set()

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Route SIGTERM and SIGINT to this signal (no-op where the loop cannot)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request, sig.name)


async def run_until_stopped(
    main: Callable[[ShutdownSignal], Coroutine[Any, Any, None]],
    *,
    drain_timeout_s: float = 30.0,
    shutdown: ShutdownSignal | None = None,
) -> str | None:
    """Run ``main(shutdown)``; on a signal give it ``drain_timeout_s`` to return, then cancel.

    Return the shutdown reason (None when ``main`` returned by itself).
    """
    shutdown = shutdown or ShutdownSignal()
    shutdown.install(asyncio.get_running_loop())
    task = asyncio.create_task(main(shutdown), name="service-main")
    waiter = asyncio.create_task(shutdown.wait(), name="shutdown-waiter")
    done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        task.result()
        return shutdown.reason
    log.info("shutdown requested (%s): draining for up to %.0fs", shutdown.reason, drain_timeout_s)
    try:
        await asyncio.wait_for(asyncio.shield(task), drain_timeout_s)
    except TimeoutError:
        log.warning("drain timed out; cancelling the remaining work")
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return shutdown.reason
