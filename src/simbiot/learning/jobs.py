"""The training job the retraining manager runs: dataset → purged training → challenger.

The newest ``holdout_bars`` candles are kept out of the challenger's training rows (and
the purge gap of one label horizon before them), so champion and challenger are compared
on rows neither has seen. Training runs in the background trainer's worker process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetCache, DatasetSpec
from simbiot.learning.retraining import Challenge, TrainFn
from simbiot.learning.training import BackgroundTrainer, TrainingInput, TrainingSpec

__all__ = ["challenge_job"]


def challenge_job(
    load_frame: Callable[[], MarketFrame],
    cache: DatasetCache,
    spec: DatasetSpec,
    training: TrainingSpec,
    trainer: BackgroundTrainer,
    holdout_bars: int,
    target: str | None = None,
    row_stride: int = 1,
) -> TrainFn:
    """Return the coroutine function that builds one challenger from the newest data.

    ``target`` is the dataset label learnt (default: ``class`` for a classifier, ``return``
    for a regressor); rows without that label are left out. ``row_stride`` trains on every
    n-th candle only (neighbouring labels overlap by all but one bar, so little is lost);
    the holdout keeps every row.
    """
    if row_stride < 1:
        raise ValueError("row_stride must be >= 1")
    label = target or ("class" if training.kind == "classifier" else "return")

    async def run() -> Challenge:
        # Loading and feature building are blocking numpy work: keep them off the loop.
        frame = await asyncio.to_thread(load_frame)
        n = frame.shape[1]
        if n <= holdout_bars + spec.horizon:
            raise ValueError(f"{n} candles cannot hold a {holdout_bars}-bar holdout")
        full, digest = await asyncio.to_thread(cache.load_or_build, frame, spec)
        data = full.labelled(label)
        cut = n - holdout_bars
        train = data.known_at(cut - 1)
        if row_stride > 1:
            train = train.subset(train.t % row_stride == 0)
        hold = data.subset(data.t >= cut)
        trained = await trainer.train(
            TrainingInput(train.names, train.x, train.target(label), train.t, train.horizon),
            training,
        )
        return Challenge(trained, digest, hold.x, hold.target(label))

    return run
