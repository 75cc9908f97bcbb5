"""LightGBM training with purged time-series CV, in this process or a background one.

Training always runs single-threaded (``num_threads=1``): on a machine shared with trading,
OpenMP's default of every core made it twenty times slower, not faster. ``BackgroundTrainer``
runs :func:`train_model` in a spawned worker process so the trading loop never waits.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from simbiot.learning.cv import purged_folds
from simbiot.learning.monitor import drift_reference
from simbiot.learning.quality import ClassifierQuality, classifier_quality

__all__ = [
    "BackgroundTrainer",
    "LoadedModel",
    "TrainedModel",
    "TrainingInput",
    "TrainingSpec",
    "train_model",
]

FloatArray = npt.NDArray[np.float64]
T = TypeVar("T")
ModelKind = Literal["classifier", "regressor"]


@dataclass(frozen=True, slots=True)
class TrainingSpec:
    """Model kind and LightGBM hyper-parameters; ``folds`` purged CV folds for validation."""

    kind: ModelKind = "classifier"
    n_estimators: int = 200
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_child_samples: int = 100
    subsample: float = 0.8
    colsample: float = 0.8
    folds: int = 4
    seed: int = 7

    def params(self) -> dict[str, Any]:
        """LightGBM parameters (single thread, quiet, deterministic)."""
        return {
            "objective": "binary" if self.kind == "classifier" else "regression",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1,
            "feature_fraction": self.colsample,
            "seed": self.seed,
            "num_threads": 1,
            "deterministic": True,
            "verbosity": -1,
        }


@dataclass(frozen=True, slots=True)
class TrainingInput:
    """Arrays a training run needs (picklable, no analysis imports in the worker)."""

    names: tuple[str, ...]
    x: FloatArray
    y: FloatArray  # 0/1 for a classifier, returns for a regressor
    t: npt.NDArray[np.int64]
    horizon: int


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """A fitted booster as LightGBM text, its features and out-of-sample quality."""

    kind: ModelKind
    names: tuple[str, ...]
    booster: str
    metrics: dict[str, Any] = field(default_factory=dict)
    rows: int = 0
    train_start: int = 0
    train_stop: int = 0


class LoadedModel:
    """A booster ready to predict (probabilities for classifiers, values for regressors)."""

    def __init__(self, kind: ModelKind, names: tuple[str, ...], booster_text: str) -> None:
        self.kind = kind
        self.names = names
        self._booster = lgb.Booster(model_str=booster_text)

    def predict(self, x: FloatArray) -> FloatArray:
        """Predict one value per row of ``x`` (rows, features in ``names`` order)."""
        if x.ndim != 2 or x.shape[1] != len(self.names):
            raise ValueError(f"x must be (rows, {len(self.names)}), got {x.shape}")
        if x.shape[0] == 0:
            return np.empty(0)
        out = self._booster.predict(x, num_threads=1)
        return np.asarray(out, dtype=np.float64)


def _fit(spec: TrainingSpec, x: FloatArray, y: FloatArray, names: tuple[str, ...]) -> lgb.Booster:
    data = lgb.Dataset(x, label=y, feature_name=list(names), free_raw_data=True)
    return lgb.train(spec.params(), data, num_boost_round=spec.n_estimators)


def _regression_quality(y: FloatArray, pred: FloatArray) -> dict[str, Any]:
    ok = np.isfinite(y) & np.isfinite(pred)
    y, pred = y[ok], pred[ok]
    corr = (
        float(np.corrcoef(y, pred)[0, 1]) if len(y) > 2 and y.std() > 0 and pred.std() > 0 else 0.0
    )
    return {
        "rows": len(y),
        "rmse": float(np.sqrt(np.mean((y - pred) ** 2))) if len(y) else 0.0,
        "ic": corr,
        "hit_rate": float(np.mean(np.sign(y) == np.sign(pred))) if len(y) else 0.0,
    }


def train_model(data: TrainingInput, spec: TrainingSpec) -> TrainedModel:
    """Validate with purged CV (embargo = label horizon), then fit on every row.

    ``metrics`` holds the pooled out-of-fold quality (``oos``) and each fold's; a classifier
    reports AUC, log loss, Brier, calibration error and hit rate.
    Raise ValueError when there are too few rows or, for a classifier, a single class.
    """
    if len(data.y) < 50:
        raise ValueError(f"too few rows to train: {len(data.y)}")
    if spec.kind == "classifier" and len(np.unique(data.y)) < 2:
        raise ValueError("a classifier needs both outcomes in its training rows")
    folds = purged_folds(data.t, data.horizon, spec.folds, min_train=50)
    oof_y: list[FloatArray] = []
    oof_p: list[FloatArray] = []
    per_fold: list[dict[str, Any]] = []
    for fold in folds:
        y_train = data.y[fold.train]
        if spec.kind == "classifier" and len(np.unique(y_train)) < 2:
            continue
        booster = _fit(spec, data.x[fold.train], y_train, data.names)
        p = np.asarray(booster.predict(data.x[fold.test], num_threads=1), dtype=np.float64)
        oof_y.append(data.y[fold.test])
        oof_p.append(p)
        per_fold.append(_score(spec.kind, data.y[fold.test], p))
    metrics: dict[str, Any] = {"folds": per_fold}
    if oof_y:
        metrics["oos"] = _score(spec.kind, np.concatenate(oof_y), np.concatenate(oof_p))
    # The feature distribution the model learnt from: the monitor's drift baseline.
    metrics["reference"] = drift_reference(data.x, data.names)
    final = _fit(spec, data.x, data.y, data.names)
    return TrainedModel(
        spec.kind,
        data.names,
        final.model_to_string(),
        metrics,
        rows=len(data.y),
        train_start=int(data.t.min()),
        train_stop=int(data.t.max()),
    )


def _score(kind: ModelKind, y: FloatArray, p: FloatArray) -> dict[str, Any]:
    if kind == "classifier":
        q: ClassifierQuality = classifier_quality(y, p)
        return q.to_json()
    return _regression_quality(y, p)


def _worker_init() -> None:
    # The worker shares the machine with trading: one thread for every numeric library.
    import os
    import signal

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = "1"
    # Ctrl-C and SIGTERM reach the whole process group: the parent decides when the
    # worker stops (``close``), so a draining service does not lose its worker mid-job.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class BackgroundTrainer:
    """Runs training jobs in one spawned worker process; awaitable from the event loop."""

    def __init__(self, max_workers: int = 1) -> None:
        self._workers = max_workers
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self._workers, mp_context=ctx, initializer=_worker_init)

    async def train(self, data: TrainingInput, spec: TrainingSpec) -> TrainedModel:
        """Train in the worker; the caller's loop keeps running meanwhile."""
        return await self.run(train_model, data, spec)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run module-level ``fn(*args)`` in the worker (arguments and result are pickled).

        Heavy numeric work belongs here rather than in a thread: code that holds the GIL
        in a thread stalls the event loop, a process cannot. A worker that died (killed,
        out of memory) fails this job with RuntimeError and is replaced for the next one.
        """
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, fn, *args)
        except BrokenProcessPool as exc:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            raise RuntimeError(f"the training worker died: {exc}") from exc

    def close(self, *, wait: bool = True) -> None:
        """Stop the worker; ``wait=False`` ends a running job at once (its result is lost)."""
        if not wait:
            # The executor has no public way to stop a running job: end its processes
            # (SIGKILL: the worker ignores SIGTERM, see ``_worker_init``).
            for proc in list(getattr(self._pool, "_processes", {}).values()):
                proc.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)
