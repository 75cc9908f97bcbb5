"""Background jobs (backtests, optimisations): a leased queue over the ``jobs`` table.

Routes queue a job (``storage.repositories.jobs.create``); ``JobService`` runs
``api.job_workers`` workers in the API process, or ``serve_jobs`` in a process of its own;
each worker claims one job at a time and runs it in a thread.
"""

from simbiot.api.jobs.kinds import BACKTEST, OPTIMISATION, JobStopped, Progress, Runner
from simbiot.api.jobs.service import (
    DEFAULT_RUNNERS,
    MAX_ATTEMPTS,
    JobService,
    job_service,
    job_service_of,
)
from simbiot.api.jobs.standalone import serve_jobs
from simbiot.api.jobs.worker import JobWorker, WorkerConfig

__all__ = [
    "BACKTEST",
    "DEFAULT_RUNNERS",
    "MAX_ATTEMPTS",
    "OPTIMISATION",
    "JobService",
    "JobStopped",
    "JobWorker",
    "Progress",
    "Runner",
    "WorkerConfig",
    "job_service",
    "job_service_of",
    "serve_jobs",
]
