"""The job workers of one process, as a background service of the API (or standalone)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import socket
import uuid
from collections.abc import Mapping
from types import MappingProxyType

from simbiot.api.jobs.backtest import run_backtest
from simbiot.api.jobs.kinds import BACKTEST, OPTIMISATION, Runner
from simbiot.api.jobs.optimisation import run_optimisation
from simbiot.api.jobs.worker import JobWorker, WorkerConfig
from simbiot.api.state import ApiState
from simbiot.config import Settings
from simbiot.domain.clock import Clock
from simbiot.storage.database import Database

__all__ = ["DEFAULT_RUNNERS", "MAX_ATTEMPTS", "JobService", "job_service", "job_service_of"]

DEFAULT_RUNNERS: Mapping[str, Runner] = MappingProxyType(
    {BACKTEST: run_backtest, OPTIMISATION: run_optimisation}
)
# Runs of one job whose worker died before it is failed for good.
MAX_ATTEMPTS = 3


class JobService:
    """``workers`` job workers sharing a thread pool of the same size."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        settings: Settings,
        *,
        workers: int,
        runners: Mapping[str, Runner] = DEFAULT_RUNNERS,
        lease_s: float | None = None,
        poll_s: float = 2.0,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._database = database
        self._clock = clock
        self._settings = settings
        self._workers = workers
        self._runners = runners
        self._config = WorkerConfig(
            lease_s=lease_s if lease_s is not None else settings.api.job_lease_s,
            max_attempts=max_attempts,
            poll_s=poll_s,
        )
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.owners: list[str] = []

    async def start(self) -> None:
        """Start the workers."""
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, self._workers), thread_name_prefix="simbiot-job"
        )
        base = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        for i in range(self._workers):
            worker = JobWorker(
                self._database,
                self._clock,
                self._settings,
                self._runners,
                self._executor,
                self._config,
                owner=f"{base}:{i}",
                wake=self._wake,
            )
            self.owners.append(worker.owner)
            self._tasks.append(asyncio.create_task(worker.run_forever(), name=f"job-worker-{i}"))

    def wake(self) -> None:
        """Tell idle workers a job was just queued."""
        self._wake.set()

    async def aclose(self) -> None:
        """Stop the workers: running jobs are stopped at their next progress report and
        put back in the queue for another process."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def job_service(state: ApiState) -> JobService | None:
    """Background factory: ``api.job_workers`` workers, none when it is 0. Leases run on
    real time (a worker's liveness), whatever clock the venue runs on."""
    n = state.settings.api.job_workers
    if n <= 0:
        return None
    return JobService(state.container.database, state.wall_clock, state.settings, workers=n)


def job_service_of(state: ApiState) -> JobService | None:
    """The running ``JobService`` among the state's background services."""
    for service in state.background:
        if isinstance(service, JobService):
            return service
    return None
