"""Model roles and the dataset's label columns."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetSpec, build_dataset
from simbiot.learning.roles import ROLES, role_of


def test_roles_and_unknown_names() -> None:
    assert [(r.name, r.kind, r.target) for r in ROLES] == [
        ("trend", "classifier", "class"),
        ("potential", "regressor", "return"),
        ("volatility", "regressor", "volatility"),
    ]
    assert role_of("volatility").target == "volatility"
    assert role_of("mine").target == "class"
    assert role_of("mine", "regressor").target == "return"


def test_dataset_targets_and_labelled_rows(market: MarketFrame) -> None:
    data = build_dataset(market, DatasetSpec(horizon=6, vol_window=24, reference_symbol=None))
    assert data.target("class") is data.y_class
    vol = data.labelled("volatility")
    assert np.isfinite(vol.target("volatility")).all()
    assert (vol.target("volatility") >= 0).all()
    assert 0 < len(vol) <= len(data)
    with pytest.raises(ValueError, match="unknown target"):
        data.target("nope")
    one_bar = build_dataset(market, DatasetSpec(horizon=1, vol_window=24, reference_symbol=None))
    assert np.isnan(one_bar.y_vol).all()  # a one-bar label has no spread to measure
