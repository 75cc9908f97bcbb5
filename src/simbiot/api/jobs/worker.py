"""One job worker: claim a job, run it in a thread, heartbeat its lease, store the outcome.

The runner works in a thread of the service's pool, so the event loop keeps serving
requests. Its progress callback is the only channel back: it records the share done and
raises ``JobStopped`` once the job must stop (cancelled, lease lost, shutting down).
A runner error (bad parameters, missing candles) fails the job at once; a worker that
dies leaves its lease to expire and another worker takes the job over, up to
``max_attempts`` times.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Mapping
from typing import Any

from simbiot.api.jobs.kinds import JobStopped, Runner
from simbiot.config import Settings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import SimbiotError
from simbiot.storage.database import Database
from simbiot.storage.repositories import jobs

__all__ = ["JobWorker", "WorkerConfig"]

log = logging.getLogger(__name__)


class WorkerConfig:
    """How a worker leases and polls."""

    def __init__(
        self, *, lease_s: float, max_attempts: int, poll_s: float, stop_wait_s: float = 10.0
    ) -> None:
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self.poll_s = poll_s
        self.stop_wait_s = stop_wait_s


class _Control:
    """Shared between the event loop and the runner's thread."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.progress = 0.0

    def report(self, share: float) -> None:
        self.progress = min(1.0, max(0.0, float(share)))
        if self.stop.is_set():
            raise JobStopped


class JobWorker:
    """Runs jobs one after another until cancelled."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        settings: Settings,
        runners: Mapping[str, Runner],
        executor: concurrent.futures.Executor,
        config: WorkerConfig,
        *,
        owner: str,
        wake: asyncio.Event,
    ) -> None:
        self._database = database
        self._clock = clock
        self._settings = settings
        self._runners = runners
        self._executor = executor
        self._cfg = config
        self.owner = owner
        self._wake = wake

    async def run_forever(self) -> None:
        """Work until the task is cancelled; sleep ``poll_s`` (or until woken) when idle."""
        while True:
            try:
                worked = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("job worker %s: claiming failed", self.owner, exc_info=True)
                worked = False
            if not worked:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._cfg.poll_s)

    async def run_once(self) -> bool:
        """Claim and run one job; False when none was waiting."""
        async with self._database.transaction() as session:
            row = await jobs.claim(
                session,
                owner=self.owner,
                now=self._clock.now(),
                lease_s=self._cfg.lease_s,
                max_attempts=self._cfg.max_attempts,
                kinds=list(self._runners),
            )
            claimed = None if row is None else (row.id, row.kind, dict(row.params))
        if claimed is None:
            return False
        await self._run(*claimed)
        return True

    async def _run(self, job_id: int, kind: str, params: dict[str, Any]) -> None:
        control = _Control()
        runner = self._runners[kind]
        done = self._executor.submit(runner, self._settings, job_id, params, control.report)
        beat = asyncio.create_task(self._beat(job_id, control), name=f"job-{job_id}-lease")
        try:
            result = await asyncio.wrap_future(done)
        except asyncio.CancelledError:
            control.stop.set()
            await self._wait(done)
            await self._release(job_id)
            raise
        except JobStopped:
            log.info("job %s stopped (cancelled or taken over)", job_id)
            return
        except (SimbiotError, ValueError, KeyError, TypeError) as exc:
            await self._finish(job_id, "failed", error=f"{type(exc).__name__}: {exc}")
            return
        except Exception:
            log.exception("job %s crashed", job_id)
            await self._finish(job_id, "failed", error="the job failed unexpectedly")
            return
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        await self._finish(job_id, "succeeded", result=result)

    async def _beat(self, job_id: int, control: _Control) -> None:
        """Extend the lease a few times per lease period; stop the runner once it is lost."""
        every = max(0.2, self._cfg.lease_s / 3)
        while True:
            await self._clock.sleep(every)
            try:
                async with self._database.transaction() as session:
                    ours = await jobs.heartbeat(
                        session,
                        job_id=job_id,
                        owner=self.owner,
                        now=self._clock.now(),
                        lease_s=self._cfg.lease_s,
                        progress=control.progress,
                    )
            except SimbiotError:
                log.warning("job %s: heartbeat failed", job_id, exc_info=True)
                continue
            if not ours:
                control.stop.set()
                return

    async def _wait(self, done: concurrent.futures.Future[Any]) -> None:
        """Give a stopping runner ``stop_wait_s`` to reach its next progress call."""
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(done)), self._cfg.stop_wait_s)

    async def _release(self, job_id: int) -> None:
        try:
            async with self._database.transaction() as session:
                await jobs.release(session, job_id=job_id, owner=self.owner)
        except Exception:  # its lease will run out and another worker takes it
            log.warning("job %s: could not put it back in the queue", job_id, exc_info=True)

    async def _finish(
        self,
        job_id: int,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        async with self._database.transaction() as session:
            kept = await jobs.finish(
                session,
                job_id=job_id,
                owner=self.owner,
                now=self._clock.now(),
                status=status,
                result=result,
                error=error,
            )
        if not kept:
            log.info("job %s finished after losing its lease; outcome dropped", job_id)
