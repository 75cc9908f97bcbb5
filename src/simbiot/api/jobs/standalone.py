"""Job workers without the HTTP API: a process that only runs queued jobs.

Several such processes (and API processes with ``api.job_workers``) share one queue: the
leases decide who runs what.
"""

from __future__ import annotations

import asyncio

from simbiot.api.jobs.service import JobService
from simbiot.config import Settings
from simbiot.domain.clock import LiveClock
from simbiot.services.container import Container

__all__ = ["serve_jobs"]


async def serve_jobs(
    settings: Settings, *, workers: int | None = None, stop: asyncio.Event | None = None
) -> None:
    """Run ``workers`` (default ``api.job_workers``, at least one) job workers until
    ``stop`` is set (or the task is cancelled); running jobs go back to the queue."""
    done = stop or asyncio.Event()
    async with Container(settings) as container:
        service = JobService(
            container.database,
            LiveClock(),  # leases measure real time, whatever the venue's clock
            settings,
            workers=max(1, workers if workers is not None else settings.api.job_workers),
        )
        await service.start()
        try:
            await done.wait()
        finally:
            await service.aclose()
