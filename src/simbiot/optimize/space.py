"""Search spaces: a strategy's ParamSpec ranges (plus a threshold multiplier) as optuna
distributions, and trial parameters back into strategy parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from simbiot.signals.params import ParamSpec, ParamValue

__all__ = ["THRESHOLD_GENE", "SearchSpace", "is_threshold"]

# The extra gene that scales every threshold parameter of a strategy at once.
THRESHOLD_GENE = "threshold_multiplier"


def is_threshold(name: str, spec: ParamSpec) -> bool:
    """Whether a parameter is a threshold (a float named ``*_min``, ``*_max`` or ``*threshold*``)."""
    return spec.kind == "float" and (name.endswith(("_min", "_max")) or "threshold" in name)


def _distribution(spec: ParamSpec) -> BaseDistribution:
    if spec.kind == "choice":
        return CategoricalDistribution(list(spec.choices))
    if spec.kind == "bool":
        return CategoricalDistribution([False, True])
    if spec.low is None or spec.high is None:
        raise ValueError("a numeric parameter needs low and high to be searched")
    if spec.kind == "int":
        step = int(spec.step) if spec.step else 1
        return IntDistribution(int(spec.low), int(spec.high), step=step)
    return FloatDistribution(float(spec.low), float(spec.high), step=spec.step)


@dataclass(frozen=True, slots=True)
class SearchSpace:
    """The genes of one strategy: its searchable parameters and the threshold multiplier."""

    specs: Mapping[str, ParamSpec]
    multiplier_low: float = 0.5
    multiplier_high: float = 2.0

    def distributions(self) -> dict[str, BaseDistribution]:
        """Return optuna distributions of every gene (parameters without a range are fixed)."""
        out: dict[str, BaseDistribution] = {}
        for name, spec in self.specs.items():
            if spec.kind in ("choice", "bool") or (spec.low is not None and spec.high is not None):
                out[name] = _distribution(spec)
        if any(is_threshold(n, s) for n, s in self.specs.items()):
            out[THRESHOLD_GENE] = FloatDistribution(self.multiplier_low, self.multiplier_high)
        return out

    def to_params(self, genes: Mapping[str, Any]) -> dict[str, ParamValue]:
        """Turn a trial's genes into strategy parameters (thresholds scaled, clipped to range)."""
        mult = float(genes.get(THRESHOLD_GENE, 1.0))
        out: dict[str, ParamValue] = {}
        for name, spec in self.specs.items():
            value = genes.get(name, spec.default)
            if is_threshold(name, spec) and mult != 1.0:
                v = float(value) * mult
                lo = spec.low if spec.low is not None else v
                hi = spec.high if spec.high is not None else v
                value = min(max(v, lo), hi)
            out[name] = value
        return out

    def defaults(self) -> dict[str, ParamValue]:
        """The strategy's own defaults."""
        return {n: s.default for n, s in self.specs.items()}
