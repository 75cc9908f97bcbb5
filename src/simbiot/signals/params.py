"""Strategy parameter specifications: defaults and the ranges the genetic optimiser searches."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from simbiot.domain.errors import ConfigError

__all__ = ["ParamKind", "ParamSpec", "resolve_params"]

ParamKind = Literal["int", "float", "bool", "choice"]
ParamValue = int | float | bool | str


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One tunable parameter: its default, its range (or choices) and its kind."""

    default: ParamValue
    kind: ParamKind = "float"
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[ParamValue, ...] = ()
    doc: str = ""

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem is not None:
            raise ValueError(problem)

    def problem(self) -> str | None:
        """Return what is inconsistent in this spec, or None when it is sound."""
        if self.kind == "choice":
            if not self.choices:
                return "a choice parameter needs at least one choice"
            if self.default not in self.choices:
                return f"default {self.default!r} is not one of the choices {list(self.choices)}"
            return None
        if self.kind == "bool":
            return None if isinstance(self.default, bool) else "a bool default must be true/false"
        if self.low is None or self.high is None:
            return f"an {self.kind} parameter needs low and high"
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return "low and high must be finite"
        if self.low > self.high:
            return f"impossible range: low {self.low} > high {self.high}"
        if self.kind == "int" and not all(
            float(v).is_integer() for v in (self.low, self.high, self.step or 1)
        ):
            return "an int parameter needs integer low, high and step"
        if self.step is not None and self.step <= 0:
            return f"step must be > 0, got {self.step}"
        if isinstance(self.default, bool | str):
            return f"default {self.default!r} is not a number"
        if self.kind == "int" and not float(self.default).is_integer():
            return f"default {self.default!r} of an int parameter is not an integer"
        if not (self.low <= float(self.default) <= self.high):
            return f"default {self.default} outside the range [{self.low}, {self.high}]"
        return None

    def coerce(self, name: str, value: Any) -> ParamValue:
        """Return ``value`` as this parameter's type; raise ConfigError when it does not fit."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ConfigError(f"{name}={value!r} is not one of {list(self.choices)}")
            return value  # type: ignore[no-any-return]
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(f"{name}={value!r} is not true/false")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{name}={value!r} is not a number")
        if not math.isfinite(value):
            raise ConfigError(f"{name}={value!r} is not finite")
        if self.kind == "int":
            if not float(value).is_integer():
                raise ConfigError(f"{name}={value!r} is not an integer")
            value = int(value)
        else:
            value = float(value)
        checked: int | float = value
        low = self.low if self.low is not None else -math.inf
        high = self.high if self.high is not None else math.inf
        if not (low <= value <= high):
            raise ConfigError(f"{name}={value} outside the range [{self.low}, {self.high}]")
        return checked

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready description (what ``strategies show`` and the API print)."""
        doc: dict[str, Any] = {"kind": self.kind, "default": self.default}
        if self.kind == "choice":
            doc["choices"] = list(self.choices)
        elif self.kind != "bool":
            doc.update(low=self.low, high=self.high, step=self.step)
        if self.doc:
            doc["doc"] = self.doc
        return doc


def resolve_params(
    specs: Mapping[str, ParamSpec], given: Mapping[str, Any], strategy: str
) -> dict[str, ParamValue]:
    """Return every parameter's value: ``given`` checked against ``specs``, defaults elsewhere.

    Raise ConfigError naming the strategy for an unknown parameter or a bad value.
    """
    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise ConfigError(f"strategy {strategy!r} has no parameter(s) {unknown}")
    try:
        return {
            name: spec.coerce(name, given[name]) if name in given else spec.default
            for name, spec in specs.items()
        }
    except ConfigError as exc:
        raise ConfigError(f"strategy {strategy!r}: {exc}") from None
