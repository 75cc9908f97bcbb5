"""The retraining manager (L5, G6): decide, retrain, compare, promote or roll back.

One cycle for one model name:

1. No champion yet: train one and promote it (``bootstrap``).
2. The champion was promoted within the probation window, there are enough live outcomes
   and its live hit rate fell below validation by more than the allowed drop: restore the
   previous champion (``rollback``).
3. Otherwise a trigger starts a retrain: quality decay (hit-rate drop or calibration error,
   judged only with ``min_live_rows`` outcomes), drift (a feature's PSI over the limit, on
   the recent market's feature rows, against the newest trained version's features) or
   schedule (the champion is too old).
4. The challenger and the champion are scored on the same held-out recent rows (AUC for a
   classifier, the information coefficient for a regressor); the challenger is promoted
   only when it beats the champion by ``min_improvement``, else it is rejected and the
   champion kept.
5. No trigger: nothing changes (``none``).

Every decision is written to ``learning_decisions`` with its evidence.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.config.sections import LearningSettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import NotFound
from simbiot.learning.monitor import QualityReport, quality_report
from simbiot.learning.quality import classifier_quality
from simbiot.learning.registry import ModelRegistry, ModelVersion, metric_of
from simbiot.learning.training import LoadedModel, TrainedModel
from simbiot.storage.repositories import models as repo

__all__ = [
    "Challenge",
    "LiveOutcomes",
    "RetrainingManager",
    "Verdict",
    "holdout_metric",
    "holdout_score",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LiveOutcomes:
    """Paper/live results of the champion: predicted p, realised 0/1 y, feature rows x.

    ``recent`` holds feature rows of the recent market (every symbol, not only traded ones)
    for the drift check; None means the traded rows ``x`` stand for the market.
    """

    p: FloatArray
    y: FloatArray
    x: FloatArray
    recent: FloatArray | None = None

    @property
    def drift_rows(self) -> FloatArray:
        """The feature rows drift is measured on."""
        return self.recent if self.recent is not None else self.x

    @staticmethod
    def empty(features: int, recent: FloatArray | None = None) -> LiveOutcomes:
        """No outcomes yet (optionally with recent market rows for drift)."""
        return LiveOutcomes(np.empty(0), np.empty(0), np.empty((0, features)), recent)


@dataclass(frozen=True, slots=True)
class Challenge:
    """A freshly trained challenger and the held-out rows both models are judged on."""

    trained: TrainedModel
    data_hash: str
    holdout_x: FloatArray
    holdout_y: FloatArray


TrainFn = Callable[[], Awaitable[Challenge]]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one cycle did and why."""

    action: str  # none | bootstrap | promote | keep | rollback
    reason: str
    evidence: dict[str, Any]
    version: int | None = None


def holdout_metric(kind: str) -> str:
    """Name of the out-of-sample score champion and challenger are compared on."""
    return "auc" if kind == "classifier" else "ic"


def holdout_score(model: LoadedModel, x: FloatArray, y: FloatArray) -> float | None:
    """AUC of a classifier, or information coefficient (correlation of prediction and
    outcome) of a regressor, on held-out rows; None when it cannot be computed."""
    if len(y) == 0:
        return None
    pred = model.predict(x)
    if model.kind == "classifier":
        return classifier_quality(y, pred).auc
    ok = np.isfinite(y) & np.isfinite(pred)
    if ok.sum() < 3 or np.std(y[ok]) == 0 or np.std(pred[ok]) == 0:
        return None
    return float(np.corrcoef(y[ok], pred[ok])[0, 1])


class RetrainingManager:
    """Runs retraining cycles of one model; decisions go to the database."""

    def __init__(
        self,
        name: str,
        registry: ModelRegistry,
        sessions: async_sessionmaker[AsyncSession],
        train: TrainFn,
        settings: LearningSettings,
        clock: Clock,
    ) -> None:
        self._name = name
        self._registry = registry
        self._sessions = sessions
        self._train = train
        self._s = settings
        self._clock = clock

    async def cycle(self, live: LiveOutcomes) -> Verdict:
        """Run one decision cycle and record it."""
        verdict = await self._decide(live)
        async with self._sessions() as session, session.begin():
            await repo.record_decision(
                session,
                subject=f"model:{self._name}",
                action=verdict.action,
                reason=verdict.reason,
                evidence=_jsonable(verdict.evidence),
                ts=self._clock.now(),
            )
        return verdict

    async def _decide(self, live: LiveOutcomes) -> Verdict:
        try:
            champion = await self._registry.get(self._name)
        except NotFound:
            return await self._bootstrap()
        enough = len(live.y) >= self._s.min_live_rows
        y, p = (live.y, live.p) if enough else (np.empty(0), np.empty(0))
        metrics, drift_ref = await self._drift_baseline(champion)
        report = await asyncio.to_thread(
            quality_report, metrics, y, p, live.drift_rows, champion.features
        )
        evidence: dict[str, Any] = {
            "quality": report.to_json(),
            "champion": champion.version,
            "drift_reference": drift_ref,
            "live_rows": len(live.y),
        }
        drop = report.hit_rate_drop
        if self._in_probation(champion) and drop is not None and drop > self._s.max_hit_rate_drop:
            try:
                back = await self._registry.rollback(self._name, at=self._clock.now())
            except NotFound:  # the first champion has nothing to return to: retrain instead
                return await self._challenge(champion, "decay of the first champion", evidence)
            return Verdict(
                "rollback",
                f"live hit rate {drop:.3f} below validation after promotion of "
                f"v{champion.version}; restored v{back.version}",
                evidence,
                back.version,
            )
        trigger = self._trigger(champion, report)
        if trigger is None:
            quality = (
                "quality"
                if enough
                else f"{len(live.y)} live outcomes, {self._s.min_live_rows} needed for quality;"
            )
            return Verdict(
                "none", f"{quality} drift and age within limits", evidence, champion.version
            )
        return await self._challenge(champion, trigger, evidence)

    async def _drift_baseline(self, champion: ModelVersion) -> tuple[dict[str, Any], int]:
        """The champion's metrics with the feature distribution drift is measured against.

        That is the newest trained version's: once a challenger has been trained on the
        shifted market and lost, the same shift must not retrain every cycle; only a
        further move away from what was last learnt counts as drift again.
        """
        newest = max(await self._registry.list(self._name), key=lambda v: v.version)
        if newest.version <= champion.version or "reference" not in newest.metrics:
            return champion.metrics, champion.version
        return {**champion.metrics, "reference": newest.metrics["reference"]}, newest.version

    def _in_probation(self, champion: ModelVersion) -> bool:
        if champion.promoted_at is None:
            return False
        age = (self._clock.now() - champion.promoted_at).total_seconds()
        return age <= self._s.probation_s

    def _trigger(self, champion: ModelVersion, report: QualityReport) -> str | None:
        drop = report.hit_rate_drop
        if drop is not None and drop > self._s.max_hit_rate_drop:
            return f"decay: live hit rate {drop:.3f} below validation"
        ece = report.live_calibration_error
        # Judged against the error the model already had out of sample: a model validated
        # at 0.12 must not retrain every cycle for staying at 0.12 live.
        base = metric_of(champion.metrics, "calibration_error") or 0.0
        if ece is not None and ece > base + self._s.max_calibration_error:
            return f"decay: live calibration error {ece:.3f} (validation {base:.3f})"
        if report.max_psi > self._s.max_psi:
            worst = max(report.psi, key=lambda k: report.psi[k])
            return f"drift: PSI {report.max_psi:.3f} on {worst}"
        age = (self._clock.now() - champion.created_at).total_seconds()
        if age > self._s.retrain_every_s:
            return f"schedule: champion is {age / 86_400:.1f} days old"
        return None

    async def _bootstrap(self) -> Verdict:
        challenge = await self._train()
        v = await self._registry.register(
            self._name, challenge.trained, data_hash=challenge.data_hash
        )
        await self._registry.promote(self._name, v.version, at=self._clock.now())
        return Verdict(
            "bootstrap",
            "no champion: first model promoted",
            {"metrics": challenge.trained.metrics.get("oos", {})},
            v.version,
        )

    async def _challenge(
        self, champion: ModelVersion, trigger: str, evidence: dict[str, Any]
    ) -> Verdict:
        challenge = await self._train()
        cand = await self._registry.register(
            self._name, challenge.trained, data_hash=challenge.data_hash
        )
        _, champ_model = await self._registry.load(self._name, champion.version)
        trained = challenge.trained
        x, y = challenge.holdout_x, challenge.holdout_y
        metric = holdout_metric(trained.kind)
        # Predicting the holdout is LightGBM work (it releases the GIL): off the loop.
        cand_model = await asyncio.to_thread(
            LoadedModel, trained.kind, trained.names, trained.booster
        )
        champ_score = await asyncio.to_thread(holdout_score, champ_model, x, y)
        cand_score = await asyncio.to_thread(holdout_score, cand_model, x, y)
        evidence = {
            **evidence,
            "trigger": trigger,
            "holdout_rows": len(y),
            "metric": metric,
            f"champion_{metric}": champ_score,
            f"challenger_{metric}": cand_score,
            "challenger": cand.version,
        }
        better = cand_score is not None and (
            champ_score is None or cand_score >= champ_score + self._s.min_improvement
        )
        if better:
            await self._registry.promote(self._name, cand.version, at=self._clock.now())
            return Verdict(
                "promote",
                f"{trigger}; challenger v{cand.version} beat champion out of sample",
                evidence,
                cand.version,
            )
        await self._registry.reject(self._name, cand.version)
        return Verdict(
            "keep",
            f"{trigger}; challenger v{cand.version} not better: champion kept",
            evidence,
            champion.version,
        )


def _jsonable(doc: Any) -> Any:
    """Make numpy scalars and non-finite floats storable as JSON."""
    if isinstance(doc, dict):
        return {str(k): _jsonable(v) for k, v in doc.items()}
    if isinstance(doc, list | tuple):
        return [_jsonable(v) for v in doc]
    if isinstance(doc, np.generic):
        doc = doc.item()
    if isinstance(doc, float) and not np.isfinite(doc):
        return None
    return doc
