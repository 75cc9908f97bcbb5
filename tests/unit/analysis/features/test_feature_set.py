"""FeatureParams validation and FeatureSet / Breadth accessors."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.features import Breadth, FeatureParams, FeatureSet, feature_names


@pytest.mark.parametrize(
    "kwargs",
    [
        {"horizons": ()},
        {"horizons": (0, 4)},
        {"horizons": (4, 4)},
        {"horizons": (True,)},
        {"liquidity_window": 0},
        {"vol_rank_window": 10, "vol_rank_min_periods": 11},
    ],
)
def test_invalid_params_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FeatureParams(**kwargs)  # type: ignore[arg-type]


def test_params_are_hashable() -> None:
    assert hash(FeatureParams()) == hash(FeatureParams())


def test_feature_names_follow_the_horizons() -> None:
    names = feature_names(FeatureParams(horizons=(3,)))
    assert names[:2] == ("ret_z_3", "rel_strength_3")
    assert len(names) == len(set(names))


def _breadth(n: int) -> Breadth:
    return Breadth(np.zeros(n), np.ones(n), np.full(n, 2.0))


def test_breadth_accessors() -> None:
    b = _breadth(3)
    assert b.names == ("above_ema", "advancing", "counted")
    np.testing.assert_array_equal(b.get("advancing"), 1.0)
    with pytest.raises(KeyError):
        b.get("x")


def test_feature_set_rejects_a_block_of_the_wrong_shape() -> None:
    params = FeatureParams()
    names = feature_names(params)
    with pytest.raises(ValueError, match="shape"):
        FeatureSet(params, ("A",), names, np.zeros((len(names), 2, 5)), _breadth(5), None)
