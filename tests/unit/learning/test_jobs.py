from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetCache, DatasetSpec
from simbiot.learning.jobs import challenge_job, prepare
from simbiot.learning.training import BackgroundTrainer, TrainingSpec

SPEC = DatasetSpec(horizon=6, vol_window=24, reference_symbol=None)


def _npz_files(root: Path) -> int:
    return len(list(root.glob("*.npz")))


@pytest.mark.slow
async def test_challenger_never_trains_on_the_holdout(market: MarketFrame, tmp_path: Path) -> None:
    trainer = BackgroundTrainer()
    try:
        job = challenge_job(
            lambda: market, DatasetCache(tmp_path), SPEC,
            TrainingSpec(n_estimators=10, folds=2, min_child_samples=20), trainer, 150,
        )  # fmt: skip
        ch = await job()
    finally:
        trainer.close()
    cut = market.shape[1] - 150
    assert ch.trained.train_stop + SPEC.horizon <= cut - 1
    assert len(ch.holdout_y) > 0
    assert set(np.unique(ch.holdout_y)) <= {0.0, 1.0}
    assert ch.data_hash
    assert _npz_files(tmp_path) == 1


async def test_too_short_history_is_refused(market: MarketFrame, tmp_path: Path) -> None:
    trainer = BackgroundTrainer()
    try:
        job = challenge_job(
            lambda: market, DatasetCache(tmp_path), SPEC, TrainingSpec(), trainer, 10_000
        )
        with pytest.raises(ValueError, match="holdout"):
            await job()
    finally:
        trainer.close()


async def test_row_stride_thins_training_and_holdout_rows(
    market: MarketFrame, tmp_path: Path
) -> None:
    trainer = BackgroundTrainer()
    spec = TrainingSpec(n_estimators=5, folds=2, min_child_samples=20)
    try:
        full = await challenge_job(
            lambda: market, DatasetCache(tmp_path), SPEC, spec, trainer, 150
        )()
        thin = await challenge_job(
            lambda: market, DatasetCache(tmp_path), SPEC, spec, trainer, 150, row_stride=3
        )()
        with pytest.raises(ValueError, match="row_stride"):
            challenge_job(lambda: market, DatasetCache(tmp_path), SPEC, spec, trainer, 150,
                          row_stride=0)  # fmt: skip
    finally:
        trainer.close()
    assert abs(thin.trained.rows - full.trained.rows / 3) <= market.shape[0]
    assert abs(len(thin.holdout_y) - len(full.holdout_y) / 3) <= market.shape[0]


def test_prepare_stores_the_dataset_and_samples_recent_features(
    market: MarketFrame, tmp_path: Path
) -> None:
    cache = DatasetCache(tmp_path)
    prepared = prepare(market, cache, SPEC, 10)
    stored = cache.read(prepared.digest, SPEC)
    assert prepared.names == stored.names
    assert prepared.bars == market.shape[1]
    assert prepared.recent.shape[1] == len(stored.names)
    assert 0 < prepared.recent.shape[0] <= 10 * market.shape[0]
    backwards = tuple(reversed(prepared.names))
    np.testing.assert_array_equal(prepared.recent_for(backwards), prepared.recent[:, ::-1])
    assert prepared.recent_for(("no_such_feature",)).shape == (0, 1)
    with pytest.raises(OSError):
        cache.read("0" * 32, SPEC)
