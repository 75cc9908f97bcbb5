from __future__ import annotations

import pytest

from simbiot.analysis.xray.synthetic import random_market
from simbiot.learning.datasets import DatasetSpec
from simbiot.learning.evaluation import evaluate
from simbiot.learning.training import TrainingSpec


@pytest.mark.slow
def test_evaluation_reports_every_section_out_of_sample() -> None:
    frame = random_market(5, 1600, seed=4, late_listing_share=0.0)
    doc = evaluate(
        frame,
        folds=2,
        test_bars=300,
        spec=DatasetSpec(horizon=6, vol_window=24, reference_symbol=None),
        training=TrainingSpec(n_estimators=15, folds=2, min_child_samples=20),
        ga_population=4,
        ga_generations=1,
        ga_windows=(400, 300),
    )
    assert len(doc["folds"]) == 2
    first, second = doc["folds"]
    assert first["test_start"] < second["test_start"]
    assert first["train_rows"] < second["train_rows"]
    for fold in doc["folds"]:
        assert 0.0 <= fold["quality"]["auc"] <= 1.0
        for key in ("strategy", "filtered_base_rate", "filtered_0.5"):
            assert set(fold[key]) == {"sharpe", "max_drawdown", "return", "trades"}
        # The filter only ever removes entries.
        assert fold["filtered_0.5"]["trades"] <= fold["strategy"]["trades"]
    evo = doc["evolution"]
    assert evo["evaluations"] == 4
    assert "sharpe" in evo["default"]
    assert "sharpe" in evo["evolved"]
    reg = doc["regressors"]
    for name in ("potential", "volatility"):
        assert reg[name]["train_rows"] > 0
        assert reg[name]["test_rows"] > 0
        assert -1.0 <= reg[name]["test_ic"] <= 1.0
    # Volatility clusters: the model and the trailing baseline both track it.
    assert reg["volatility"]["baseline_trailing_vol_ic"] > 0
