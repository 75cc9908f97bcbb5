from __future__ import annotations

import numpy as np
import pytest

from simbiot.learning.quality import calibration_error, classifier_quality


def test_perfect_and_useless_forecasts() -> None:
    y = np.array([0.0, 0.0, 1.0, 1.0])
    good = classifier_quality(y, np.array([0.1, 0.2, 0.8, 0.9]))
    bad = classifier_quality(y, np.array([0.9, 0.8, 0.2, 0.1]))
    assert good.auc == 1.0
    assert bad.auc == 0.0
    assert good.hit_rate == 1.0
    assert bad.hit_rate == 0.0
    assert good.brier < bad.brier
    assert good.log_loss < bad.log_loss


def test_one_class_has_no_auc() -> None:
    q = classifier_quality(np.ones(5), np.full(5, 0.7))
    assert q.auc is None
    assert q.base_rate == 1.0


def test_calibration_error_of_calibrated_and_biased() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 20_000)
    y = (rng.uniform(0, 1, p.size) < p).astype(float)
    assert calibration_error(y, p) < 0.02
    assert calibration_error(y, np.clip(p + 0.2, 0, 1)) > 0.1
    assert calibration_error(np.empty(0), np.empty(0)) == 0.0


def test_rejects_mismatched_inputs() -> None:
    with pytest.raises(ValueError):
        classifier_quality(np.ones(3), np.ones(2))
