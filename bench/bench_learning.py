"""Model training time and batched inference latency for 2,000 symbols.

Training: LightGBM on the X-ray feature rows of a synthetic market (single thread, as in
production), with purged CV. Inference: one ``Predictor`` batch for 2,000 symbols (feature
matrix of the newest candle + one booster call) against predicting symbol by symbol.
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
from simbiot.learning.datasets import DatasetSpec, build_dataset, feature_block
from simbiot.learning.inference import feature_rows
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
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=2))
