"""Model training time and batched inference latency for 2,000 symbols.

Training: LightGBM on the X-ray feature rows of a synthetic market (single thread, as in
production), with purged CV. Inference: one ``Predictor`` batch for 2,000 symbols (feature
matrix of the newest candle + one booster call) against predicting symbol by symbol.
The pipeline figure is one X-ray cycle's model work with the three champions (trend,
potential, volatility): features of every symbol once, one booster call per model and the
realised volatility the stop multiplier compares with, as ``CyclePredictor`` does it.
Run: ``python -m bench learning [--quick]``.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import time
from typing import Any

import numpy as np

from simbiot.analysis.xray.synthetic import random_market
from simbiot.learning.datasets import (
    DatasetSpec,
    build_dataset,
    feature_block,
    per_bar_volatility,
)
from simbiot.learning.inference import Predictor, feature_rows
from simbiot.learning.training import LoadedModel, TrainingInput, TrainingSpec, train_model


def _median_s(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def run(quick: bool = False) -> dict[str, Any]:
    """Return training and inference figures."""
    n_train_sym, n_bars = (50, 1000) if quick else (200, 2000)
    spec = DatasetSpec(horizon=24, reference_symbol=None)
    market = random_market(n_train_sym, n_bars, seed=1)
    t0 = time.perf_counter()
    data = build_dataset(market, spec)
    dataset_s = time.perf_counter() - t0
    tspec = TrainingSpec(n_estimators=100 if quick else 200, folds=3)
    t0 = time.perf_counter()
    trained = train_model(
        TrainingInput(data.names, data.x, data.y_class, data.t, data.horizon), tspec
    )
    train_s = time.perf_counter() - t0
    model = LoadedModel(trained.kind, trained.names, trained.booster)

    n_sym = 2000
    live = random_market(n_sym, 600, seed=2)
    t0 = time.perf_counter()
    feats = feature_block(live, spec)
    features_s = time.perf_counter() - t0
    x = feature_rows(feats, model.names)
    batch_s = _median_s(lambda: model.predict(feature_rows(feats, model.names)), 5)
    sample = 100
    one_s = _median_s(lambda: [model.predict(x[i : i + 1]) for i in range(sample)], 3) / sample
    regressors = []
    for target in ("return", "volatility"):
        d = data.labelled(target)
        r = train_model(
            TrainingInput(d.names, d.x, d.target(target), d.t, d.horizon),
            TrainingSpec(kind="regressor", n_estimators=tspec.n_estimators, folds=1),
        )
        regressors.append(LoadedModel(r.kind, r.names, r.booster))
    predictors = [
        Predictor(name, 1, m, spec)
        for name, m in zip(("trend", "potential", "volatility"), [model, *regressors], strict=True)
    ]

    def cycle() -> None:
        f = feature_block(live, spec)
        for p in predictors:
            p.predict_features(f, live)
        per_bar_volatility(live.close, spec.vol_window)

    pipeline_s = _median_s(cycle, 3)
    return {
        "training": {
            "rows": len(data),
            "features": len(data.names),
            "rounds": tspec.n_estimators,
            "cv_folds": tspec.folds,
            "dataset_build_s": round(dataset_s, 2),
            "train_with_cv_s": round(train_s, 2),
            "oos_auc": trained.metrics.get("oos", {}).get("auc"),
        },
        "inference": {
            "symbols": n_sym,
            "features_2000x600_s": round(features_s, 3),
            "batch_predict_ms": round(batch_s * 1e3, 2),
            "per_symbol_loop_ms_extrapolated": round(one_s * n_sym * 1e3, 1),
            "batch_speedup": round(one_s * n_sym / batch_s, 1),
        },
        "pipeline": {
            "symbols": n_sym,
            "models": len(predictors),
            "cycle_batch_s": round(pipeline_s, 3),
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=2))
