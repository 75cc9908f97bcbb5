"""The learner: the retraining manager of every model, on a schedule, beside trading.

Each cycle loads the newest ``learning.learner_window`` candles once and prepares their
dataset and a drift sample of the recent market's features; then for every model of
``learning.learner_models`` it reads the live outcomes (closed trades matched to the
entries the model vetted; regressors have none) and runs one :class:`RetrainingManager`
cycle (bootstrap, rollback, retrain on decay, drift or age, promote only on out-of-sample
proof). Dataset building and training run in the background trainer's spawned process
with one thread, so the event loop, and the trading cycle on it, never wait for them. A
failing model is recorded as an ``error`` decision and retried next cycle; the others go
on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.config.sections import LearningSettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import NotFound, SimbiotError
from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetCache, DatasetSpec
from simbiot.learning.jobs import Prepared, cached_challenge_job, prepare
from simbiot.learning.outcomes import live_outcomes
from simbiot.learning.registry import ModelRegistry
from simbiot.learning.retraining import LiveOutcomes, RetrainingManager, Verdict
from simbiot.learning.roles import ModelRole, role_of
from simbiot.learning.training import BackgroundTrainer, TrainingSpec
from simbiot.services.container import Container
from simbiot.services.runtime import ShutdownSignal
from simbiot.storage.repositories import models as repo

__all__ = ["Learner", "LearnerReport", "build_learner", "learner_running"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LearnerReport:
    """One learner cycle: each model's verdict, or the error that stopped it."""

    verdicts: dict[str, Verdict]
    errors: dict[str, str]


class Learner:
    """Runs retraining cycles of every configured model."""

    def __init__(
        self,
        *,
        registry: ModelRegistry,
        sessions: async_sessionmaker[AsyncSession],
        settings: LearningSettings,
        spec: DatasetSpec,
        training: TrainingSpec,
        load_frame: Callable[[], MarketFrame],
        cache: DatasetCache,
        trainer: BackgroundTrainer,
        clock: Clock,
    ) -> None:
        self._registry = registry
        self._sessions = sessions
        self._s = settings
        self._spec = spec
        self._training = training
        self._load = load_frame
        self._cache = cache
        self._trainer = trainer
        self._clock = clock
        self.cycles = 0

    def _manager(self, role: ModelRole, prepared: Prepared) -> RetrainingManager:
        job = cached_challenge_job(
            self._trainer,
            self._cache,
            prepared,
            self._spec,
            replace(self._training, kind=role.kind),
            self._s.holdout_bars,
            role.target,
            self._s.row_stride,
        )
        return RetrainingManager(
            role.name, self._registry, self._sessions, job, self._s, self._clock
        )

    async def _live(self, role: ModelRole, prepared: Prepared) -> LiveOutcomes:
        """Live outcomes of the champion (classifiers), with the recent market for drift."""
        try:
            champion = await self._registry.get(role.name)
        except NotFound:
            return LiveOutcomes.empty(0)
        names = champion.features
        recent = prepared.recent_for(names)
        if role.kind != "classifier":
            return LiveOutcomes.empty(len(names), recent)
        return await live_outcomes(
            self._sessions,
            role.name,
            champion.version,
            len(names),
            limit=self._s.live_outcome_rows,
            recent=recent,
        )

    async def _prepare(self) -> Prepared:
        """Load the candles and, in the worker process, build the dataset and drift sample.

        The drift sample spans the holdout window: market-wide features (breadth) move
        slowly, so a few bars would always look shifted against months of training rows.
        """
        frame = await asyncio.to_thread(self._load)
        return await self._trainer.run(
            prepare, frame, self._cache, self._spec, self._s.holdout_bars
        )

    async def cycle(self, shutdown: ShutdownSignal | None = None) -> LearnerReport:
        """Run one cycle over every model (stopping between models on ``shutdown``);
        record and report what happened."""
        verdicts: dict[str, Verdict] = {}
        errors: dict[str, str] = {}
        try:
            prepared = await self._prepare()
        except Exception as exc:  # no data to learn from: every model waits for the next cycle
            for name in self._s.learner_models:
                errors[name] = f"no training data: {exc}"
                await self._record_error(name, exc)
            log.warning("learner: no training data: %s", exc)
            self.cycles += 1
            return LearnerReport(verdicts, errors)
        for name in self._s.learner_models:
            if shutdown is not None and shutdown.requested:
                break
            role = role_of(name)
            try:
                live = await self._live(role, prepared)
                verdict = await self._manager(role, prepared).cycle(live)
            except Exception as exc:  # one model's failure must not stop the others
                errors[name] = str(exc)
                expected = isinstance(exc, SimbiotError | ValueError)  # e.g. too few candles
                log.warning(
                    "learner: model %s failed this cycle: %s", name, exc, exc_info=not expected
                )
                await self._record_error(name, exc)
                continue
            verdicts[name] = verdict
            log.info("learner: %s %s (%s)", name, verdict.action, verdict.reason)
        self.cycles += 1
        return LearnerReport(verdicts, errors)

    async def _record_error(self, name: str, exc: Exception) -> None:
        try:
            async with self._sessions() as session, session.begin():
                await repo.record_decision(
                    session,
                    subject=f"model:{name}",
                    action="error",
                    reason=f"{type(exc).__name__}: {exc}",
                    evidence={},
                    ts=self._clock.now(),
                )
        except SimbiotError:
            log.warning("learner: the error of %s was not recorded", name, exc_info=True)

    async def run(self, shutdown: ShutdownSignal, *, cycles: int = 0) -> int:
        """Run a cycle every ``learner_interval_s`` until shutdown (or until this call has
        run ``cycles`` > 0 of them); return how many it ran."""
        done = 0
        while not shutdown.requested:
            await self.cycle(shutdown)
            done += 1
            if cycles and done >= cycles:
                break
            await shutdown.wait(self._s.learner_interval_s)
        return done


def build_learner(container: Container, trainer: BackgroundTrainer) -> Learner:
    """The learner of the container's venue and timeframe, training in ``trainer``."""
    s = container.settings
    ls = s.learning
    store = container.candle_store()
    return Learner(
        registry=ModelRegistry(s.path(ls.models_dir), container.database.sessions),
        sessions=container.database.sessions,
        settings=ls,
        spec=DatasetSpec(ls.horizon, ls.barrier_width, ls.vol_window, ls.reference_symbol),
        training=TrainingSpec(
            n_estimators=ls.n_estimators,
            learning_rate=ls.learning_rate,
            num_leaves=ls.num_leaves,
            min_child_samples=ls.min_child_samples,
            folds=ls.cv_folds,
        ),
        load_frame=lambda: store.load_frame(None, ls.learner_window),
        cache=DatasetCache(s.path(ls.datasets_dir), keep=2),  # this cycle's and the last
        trainer=trainer,
        clock=container.clock,
    )


@contextlib.asynccontextmanager
async def learner_running(container: Container, shutdown: ShutdownSignal) -> AsyncIterator[None]:
    """Run the learner as a background task for the body's duration (when enabled).

    On exit the task is cancelled and a training job still running is ended at once: a
    stopping service does not wait for a model nobody will use.
    """
    if not container.settings.learning.learner_enabled:
        yield
        return
    trainer = BackgroundTrainer()
    learner = build_learner(container, trainer)

    async def guarded() -> None:
        try:
            await learner.run(shutdown)
        except Exception:
            log.exception("learner stopped; trading goes on without retraining")

    task = asyncio.create_task(guarded(), name="learner")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.to_thread(trainer.close, wait=False)
