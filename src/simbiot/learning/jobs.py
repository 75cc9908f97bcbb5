"""The training jobs the retraining manager runs: dataset → purged training → challenger.

The newest ``holdout_bars`` candles are kept out of the challenger's training rows (and
the purge gap of one label horizon before them), so champion and challenger are compared
on rows neither has seen. Everything heavy runs in the background trainer's worker
process, not in a thread: building a dataset holds the GIL for long stretches, and in a
thread that stalled the trading loop (1.2 s at worst on 136 symbols × 3,000 candles). The
parent only ever receives the trained model and the (thinned) holdout rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetCache, DatasetSpec
from simbiot.learning.inference import recent_rows
from simbiot.learning.retraining import Challenge, TrainFn
from simbiot.learning.training import (
    BackgroundTrainer,
    TrainedModel,
    TrainingInput,
    TrainingSpec,
    train_model,
)

__all__ = ["Prepared", "cached_challenge_job", "challenge_job", "prepare", "train_challenger"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A frame's dataset, stored in the cache, and a drift sample of its recent market."""

    digest: str
    bars: int
    names: tuple[str, ...]
    recent: FloatArray  # (rows, features in ``names`` order)

    def recent_for(self, features: tuple[str, ...]) -> FloatArray:
        """The drift sample's columns of ``features`` (a model's order); empty if unknown."""
        index = {n: i for i, n in enumerate(self.names)}
        if any(f not in index for f in features):
            return np.empty((0, len(features)))
        return np.ascontiguousarray(self.recent[:, [index[f] for f in features]])


def prepare(
    frame: MarketFrame, cache: DatasetCache, spec: DatasetSpec, drift_bars: int
) -> Prepared:
    """Build (or reuse) the frame's dataset and sample its newest ``drift_bars`` features.

    A worker-process job: its result is small whatever the frame's size.
    """
    data, digest = cache.load_or_build(frame, spec)
    recent = recent_rows(frame, spec, data.names, drift_bars)
    return Prepared(digest, frame.shape[1], data.names, recent)


def train_challenger(
    cache: DatasetCache,
    digest: str,
    spec: DatasetSpec,
    bars: int,
    training: TrainingSpec,
    holdout_bars: int,
    label: str,
    row_stride: int,
) -> tuple[TrainedModel, FloatArray, FloatArray]:
    """Train on the stored dataset without its holdout; return the model and the holdout.

    A worker-process job. Training rows and holdout rows are both thinned to every
    ``row_stride``-th candle (neighbouring labels overlap by all but one bar).
    """
    data = cache.read(digest, spec).labelled(label)
    cut = bars - holdout_bars
    train = data.known_at(cut - 1)
    hold = data.subset(data.t >= cut)
    if row_stride > 1:
        train = train.subset(train.t % row_stride == 0)
        hold = hold.subset(hold.t % row_stride == 0)
    trained = train_model(
        TrainingInput(train.names, train.x, train.target(label), train.t, train.horizon),
        training,
    )
    return trained, hold.x, hold.target(label)


def _check(bars: int, holdout_bars: int, spec: DatasetSpec, row_stride: int) -> None:
    if row_stride < 1:
        raise ValueError("row_stride must be >= 1")
    if bars <= holdout_bars + spec.horizon:
        raise ValueError(f"{bars} candles cannot hold a {holdout_bars}-bar holdout")


def cached_challenge_job(
    trainer: BackgroundTrainer,
    cache: DatasetCache,
    prepared: Prepared,
    spec: DatasetSpec,
    training: TrainingSpec,
    holdout_bars: int,
    target: str | None = None,
    row_stride: int = 1,
) -> TrainFn:
    """The job training one challenger on an already prepared dataset.

    ``target`` is the dataset label learnt (default: ``class`` for a classifier, ``return``
    for a regressor); rows without that label are left out.
    """
    label = target or ("class" if training.kind == "classifier" else "return")
    if row_stride < 1:
        raise ValueError("row_stride must be >= 1")

    async def run() -> Challenge:
        _check(prepared.bars, holdout_bars, spec, row_stride)
        trained, hx, hy = await trainer.run(
            train_challenger, cache, prepared.digest, spec, prepared.bars, training,
            holdout_bars, label, row_stride,
        )  # fmt: skip
        return Challenge(trained, prepared.digest, hx, hy)

    return run


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
    """The job building one challenger from the newest data (loaded when it runs)."""
    label = target or ("class" if training.kind == "classifier" else "return")
    if row_stride < 1:
        raise ValueError("row_stride must be >= 1")

    async def run() -> Challenge:
        frame = await asyncio.to_thread(load_frame)
        _check(frame.shape[1], holdout_bars, spec, row_stride)
        prepared = await trainer.run(prepare, frame, cache, spec, 1)
        job = cached_challenge_job(
            trainer, cache, prepared, spec, training, holdout_bars, label, row_stride
        )
        return await job()

    return run
