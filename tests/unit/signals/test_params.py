from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.domain.errors import ConfigError
from simbiot.signals.params import ParamSpec, resolve_params


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"default": 5, "kind": "int", "low": 10, "high": 1}, "impossible range"),
        ({"default": 50, "kind": "int", "low": 1, "high": 10}, "outside the range"),
        ({"default": 2.5, "kind": "int", "low": 1, "high": 10}, "not an integer"),
        ({"default": 1.0, "kind": "float"}, "needs low and high"),
        ({"default": "a", "kind": "choice", "choices": ("b",)}, "not one of the choices"),
        ({"default": 1, "kind": "bool"}, "true/false"),
        ({"default": 1.0, "kind": "float", "low": 0, "high": 2, "step": -1}, "step"),
    ],
)
def test_inconsistent_specs_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ParamSpec(**kwargs)  # type: ignore[arg-type]


def test_coerce_checks_type_and_range() -> None:
    spec = ParamSpec(14, "int", 2, 50)
    assert spec.coerce("n", 20.0) == 20
    assert isinstance(spec.coerce("n", 20.0), int)
    with pytest.raises(ConfigError, match="outside"):
        spec.coerce("n", 51)
    with pytest.raises(ConfigError, match="not an integer"):
        spec.coerce("n", 2.5)
    with pytest.raises(ConfigError, match="not a number"):
        spec.coerce("n", True)
    with pytest.raises(ConfigError, match="not finite"):
        ParamSpec(1.0, "float", 0, 2).coerce("k", float("nan"))


def test_resolve_params_fills_defaults_and_rejects_unknown() -> None:
    specs = {"n": ParamSpec(14, "int", 2, 50), "on": ParamSpec(True, "bool")}
    assert resolve_params(specs, {"n": 3}, "s") == {"n": 3, "on": True}
    with pytest.raises(ConfigError, match="no parameter"):
        resolve_params(specs, {"m": 1}, "s")
    with pytest.raises(ConfigError, match="strategy 's'"):
        resolve_params(specs, {"on": "yes"}, "s")


@settings(deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(0, 1e6), st.floats(0, 1))
def test_float_coerce_accepts_exactly_the_range(low: float, width: float, frac: float) -> None:
    high = low + width
    spec = ParamSpec(low, "float", low, high)
    inside = low + frac * width
    inside = min(max(inside, low), high)
    assert spec.coerce("k", inside) == inside
    if width > 0:
        with pytest.raises(ConfigError):
            spec.coerce("k", high + max(1.0, abs(high)))


def test_to_json_describes_the_range() -> None:
    assert ParamSpec(2.0, "float", 0.5, 4.0, 0.1, doc="k").to_json() == {
        "kind": "float", "default": 2.0, "low": 0.5, "high": 4.0, "step": 0.1, "doc": "k",
    }  # fmt: skip
    assert ParamSpec("a", "choice", choices=("a", "b")).to_json()["choices"] == ["a", "b"]
