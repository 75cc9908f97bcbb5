"""Small seeded markets for learning tests."""

from __future__ import annotations

import pytest

from simbiot.analysis.xray.synthetic import random_market
from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetSpec, build_dataset
from simbiot.learning.training import TrainedModel, TrainingInput, TrainingSpec, train_model


@pytest.fixture(scope="module")
def market() -> MarketFrame:
    """Eight symbols × 700 hourly candles, one listed late."""
    return random_market(8, 700, seed=11, late_listing_share=0.15)


@pytest.fixture(scope="module")
def trained(market: MarketFrame) -> tuple[DatasetSpec, TrainedModel]:
    """A small trend classifier trained on ``market``."""
    spec = DatasetSpec(horizon=6, vol_window=24, reference_symbol=None)
    data = build_dataset(market, spec)
    model = train_model(
        TrainingInput(data.names, data.x, data.y_class, data.t, data.horizon),
        TrainingSpec(n_estimators=20, folds=2, min_child_samples=20),
    )
    return spec, model
