from __future__ import annotations

from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from simbiot.optimize.space import THRESHOLD_GENE, SearchSpace, is_threshold
from simbiot.signals.params import ParamSpec

SPECS = {
    "fast": ParamSpec(12, "int", 3, 50, 1),
    "adx_min": ParamSpec(20.0, "float", 0.0, 60.0, 1.0),
    "mode": ParamSpec("a", "choice", choices=("a", "b")),
    "flag": ParamSpec(True, "bool"),
}


def test_distributions_cover_ranged_genes_and_multiplier() -> None:
    d = SearchSpace(SPECS).distributions()
    assert isinstance(d["fast"], IntDistribution)
    assert isinstance(d["adx_min"], FloatDistribution)
    assert isinstance(d["mode"], CategoricalDistribution)
    assert isinstance(d["flag"], CategoricalDistribution)
    assert THRESHOLD_GENE in d


def test_to_params_scales_thresholds_within_range() -> None:
    space = SearchSpace(SPECS)
    p = space.to_params({"fast": 7, "adx_min": 40.0, THRESHOLD_GENE: 2.0})
    assert p["fast"] == 7
    assert p["adx_min"] == 60.0  # 80 clipped to the spec's high
    assert space.to_params({"adx_min": 10.0, THRESHOLD_GENE: 0.5})["adx_min"] == 5.0
    assert space.defaults()["fast"] == 12


def test_threshold_detection() -> None:
    assert is_threshold("adx_min", SPECS["adx_min"])
    assert not is_threshold("fast", SPECS["fast"])
    no_thresholds = SearchSpace({"fast": SPECS["fast"]}).distributions()
    assert THRESHOLD_GENE not in no_thresholds
