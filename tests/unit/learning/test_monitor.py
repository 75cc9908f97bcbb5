from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.learning.monitor import drift_reference, population_stability, quality_report

NAMES = ("a", "b")


def test_psi_small_for_same_population_large_for_shift() -> None:
    rng = np.random.default_rng(0)
    ref = drift_reference(rng.normal(size=(5000, 2)), NAMES)
    same = population_stability(ref["a"]["edges"], ref["a"]["shares"], rng.normal(size=5000))
    moved = population_stability(ref["a"]["edges"], ref["a"]["shares"], rng.normal(1.0, 1, 5000))
    assert same < 0.02
    assert moved > 0.25
    assert population_stability(ref["a"]["edges"], ref["a"]["shares"], np.array([np.nan])) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(-3, 3))
def test_psi_is_never_negative(seed: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    ref = drift_reference(rng.normal(size=(300, 1)), ("a",))
    psi = population_stability(ref["a"]["edges"], ref["a"]["shares"], rng.normal(shift, 1, 200))
    assert psi >= 0.0


def test_report_compares_live_with_validation() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1000, 2))
    metrics = {"oos": {"hit_rate": 0.7, "auc": 0.75}, "reference": drift_reference(x, NAMES)}
    y = (rng.uniform(size=1000) < 0.5).astype(float)
    p = rng.uniform(size=1000)
    rep = quality_report(metrics, y, p, x + np.array([0.0, 2.0]), NAMES)
    assert rep.hit_rate_drop is not None
    assert 0.1 < rep.hit_rate_drop < 0.3
    assert rep.psi["b"] > rep.psi["a"]
    assert rep.max_psi == rep.psi["b"]
    assert rep.to_json()["max_psi"] == rep.max_psi
    empty = quality_report({}, np.empty(0), np.empty(0), np.empty((0, 2)), NAMES)
    assert empty.hit_rate_drop is None
    assert empty.max_psi == 0.0
