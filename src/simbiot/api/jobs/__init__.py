"""Background jobs (backtests, optimisations): a leased queue over the ``jobs`` table.

Routes queue a job (``storage.repositories.jobs.create``); ``JobService`` runs
``api.job_workers`` workers in the API process (or alone, in any process with a
database), each claiming one job at a time and running it in a thread.
"""

from simbiot.api.jobs.kinds import BACKTEST, OPTIMISATION, JobStopped, Progress, Runner
from simbiot.api.jobs.service import (
    DEFAULT_RUNNERS,
    MAX_ATTEMPTS,
    JobService,
    job_service,
    job_service_of,
)
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
]
