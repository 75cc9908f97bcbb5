from __future__ import annotations

import asyncio
import os
import signal

from simbiot.services.runtime import ShutdownSignal, run_until_stopped


async def test_main_returning_ends_the_run() -> None:
    async def main(shutdown: ShutdownSignal) -> None:
        await asyncio.sleep(0)

    assert await run_until_stopped(main) is None


async def test_sigterm_lets_in_flight_work_finish() -> None:
    finished: list[str] = []

    async def main(shutdown: ShutdownSignal) -> None:
        await shutdown.wait()
        await asyncio.sleep(0.05)  # the step in flight completes
        finished.append("drained")

    async def send_sigterm() -> None:
        await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    killer = asyncio.create_task(send_sigterm())
    reason = await run_until_stopped(main, drain_timeout_s=5)
    await killer
    assert reason == "SIGTERM"
    assert finished == ["drained"]


async def test_drain_timeout_cancels_stuck_work() -> None:
    cancelled: list[bool] = []
    shutdown = ShutdownSignal()

    async def main(sd: ShutdownSignal) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    asyncio.get_running_loop().call_later(0.02, shutdown.request, "test")
    reason = await run_until_stopped(main, drain_timeout_s=0.05, shutdown=shutdown)
    assert reason == "test"
    assert cancelled == [True]


async def test_wait_with_timeout() -> None:
    s = ShutdownSignal()
    assert await s.wait(0.01) is False
    s.request("x")
    s.request("y")
    assert s.reason == "x"
    assert await s.wait(0.01) is True
