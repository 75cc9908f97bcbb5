from __future__ import annotations

import asyncio

import numpy as np
import pytest

from simbiot.learning.training import (
    BackgroundTrainer,
    LoadedModel,
    TrainingInput,
    TrainingSpec,
    train_model,
)

SPEC = TrainingSpec(n_estimators=30, folds=3, min_child_samples=20)


def _data(n: int = 2000, signal: float = 2.0, seed: int = 0) -> TrainingInput:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    p = 1 / (1 + np.exp(-signal * x[:, 0]))
    y = (rng.uniform(size=n) < p).astype(float)
    return TrainingInput(("a", "b", "c", "d"), x, y, np.arange(n, dtype=np.int64) // 4, 6)


def test_classifier_learns_signal_and_reports_oos_metrics() -> None:
    model = train_model(_data(), SPEC)
    oos = model.metrics["oos"]
    assert oos["auc"] > 0.75
    assert set(oos) >= {"auc", "log_loss", "brier", "calibration_error", "hit_rate"}
    assert len(model.metrics["folds"]) == 3
    noise = train_model(_data(signal=0.0), SPEC)
    assert noise.metrics["oos"]["auc"] < 0.6


def test_loaded_model_predicts_probabilities() -> None:
    trained = train_model(_data(), SPEC)
    model = LoadedModel(trained.kind, trained.names, trained.booster)
    p = model.predict(np.array([[3.0, 0, 0, 0], [-3.0, 0, 0, 0]]))
    assert p[0] > 0.7 > 0.3 > p[1]
    assert model.predict(np.empty((0, 4))).shape == (0,)
    with pytest.raises(ValueError):
        model.predict(np.ones((2, 3)))


def test_regressor_reports_information_coefficient() -> None:
    d = _data()
    reg = TrainingInput(d.names, d.x, d.x[:, 0] * 0.01, d.t, d.horizon)
    model = train_model(reg, TrainingSpec(kind="regressor", n_estimators=30, folds=2))
    assert model.metrics["oos"]["ic"] > 0.9


def test_refuses_tiny_or_single_class_data() -> None:
    d = _data(n=30)
    with pytest.raises(ValueError, match="too few"):
        train_model(d, SPEC)
    d = _data()
    with pytest.raises(ValueError, match="both outcomes"):
        train_model(TrainingInput(d.names, d.x, np.ones_like(d.y), d.t, d.horizon), SPEC)


async def test_background_process_trains_while_loop_runs() -> None:
    trainer = BackgroundTrainer()
    try:
        model = await trainer.train(_data(n=600), TrainingSpec(n_estimators=10, folds=2))
    finally:
        trainer.close()
    assert model.rows == 600
    assert model.booster.startswith("tree")


async def test_a_dead_worker_fails_its_job_and_is_replaced() -> None:
    trainer = BackgroundTrainer()
    try:
        job = asyncio.ensure_future(trainer.train(_data(n=20_000), SPEC))
        for _ in range(200):  # wait for the worker process to exist
            procs = list(getattr(trainer._pool, "_processes", {}).values())
            if procs:
                break
            await asyncio.sleep(0.01)
        for proc in procs:
            proc.kill()
        with pytest.raises(RuntimeError, match="worker died"):
            await job
        model = await trainer.train(_data(n=600), TrainingSpec(n_estimators=5, folds=2))
        assert model.rows == 600
    finally:
        trainer.close(wait=False)
