"""Operands of rule conditions: the string grammar, name resolution and binding to arrays.

Grammar (whitespace ignored)::

    operand    := ["-"] ( number | percentile | dynamic | call | name )
    percentile := "p" number | "p(" param ")"   p90: the 90th percentile of the compared
                                              operand across all symbols, at each bar
    dynamic    := number ["*"] unit ["(" n ")"]   2.5sigma, 1.5*atr(14)
                | param "*" unit ["(" n ")"]      k*vol
    unit       := "sigma" | "vol"             deviation of 1-bar log returns (default 20 bars)
                | "atr"                       average true range (default 14 bars)
    call       := indicator "(" arg {"," arg} ")"     arg := number | int param
    name       := param | indicator (default arguments) | feature

A dynamic threshold uses the unit measured up to the *previous* bar, so the move being
tested does not widen its own yardstick.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.signals.catalog import CATALOG, IndicatorRequest, normalise
from simbiot.signals.context import StrategyContext
from simbiot.signals.ops import cross_percentile, shift
from simbiot.signals.params import ParamSpec

__all__ = ["Bound", "Operand", "OperandError", "parse_operand"]

_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_RE_NUM = re.compile(rf"^{_NUM}$")
_RE_PCT = re.compile(rf"^p({_NUM})$")
_RE_PCT_PARAM = re.compile(rf"^p\(\s*({_NAME})\s*\)$")
_RE_DYN = re.compile(
    rf"^(?:(?P<num>{_NUM})\s*\*?|(?P<par>{_NAME})\s*\*)\s*(?P<unit>sigma|vol|atr)"
    rf"(?:\(\s*(?P<n>[^)]*?)\s*\))?$"
)
_RE_CALL = re.compile(rf"^(?P<name>{_NAME})\s*\((?P<args>[^()]*)\)$")
_RE_NAME = re.compile(rf"^{_NAME}$")
_UNIT_INDICATOR = {"sigma": "vol", "vol": "vol", "atr": "atr"}


class OperandError(ValueError):
    """An operand that does not parse, or names something unknown or of the wrong type."""


@dataclass(frozen=True, slots=True)
class Operand:
    """A parsed operand. ``kind`` is number, param, series, feature, dynamic or percentile."""

    kind: str
    text: str
    negate: bool = False
    value: float = math.nan
    name: str = ""
    args: tuple[float | str, ...] = ()

    @property
    def is_series(self) -> bool:
        """Whether the operand varies per symbol and bar (an indicator or feature)."""
        return self.kind in ("series", "feature")

    def label(self, params: Mapping[str, Any]) -> str:
        """Return the operand as written, with parameter values filled in."""
        sign = "-" if self.negate else ""
        if self.kind == "number":
            return f"{sign}{self.value:g}"
        if self.kind == "param":
            return f"{sign}{self.name}={params[self.name]}"
        if self.kind == "percentile":
            return f"p{params[self.name]:g}" if self.name else f"p{self.value:g}"
        if self.kind == "dynamic":
            coef = params[self.name] if self.name else f"{self.value:g}"
            unit = _UNIT_INDICATOR[str(self.args[0])]
            return f"{sign}{coef}×{unit}({_arg(self.args[1], params):g})"
        args = ", ".join(f"{_arg(a, params):g}" for a in self.args)
        return f"{sign}{self.name}({args})" if self.args else f"{sign}{self.name}"

    def bind(self, params: Mapping[str, Any]) -> Bound:
        """Resolve parameter references; return the operand ready to evaluate."""
        sign = -1.0 if self.negate else 1.0
        if self.kind == "number":
            return Bound(self.kind, self.label(params), scalar=sign * self.value)
        if self.kind == "param":
            return Bound(self.kind, self.label(params), scalar=sign * float(params[self.name]))
        if self.kind == "percentile":
            q = float(params[self.name]) if self.name else self.value
            return Bound(self.kind, self.label(params), scalar=q)
        if self.kind == "feature":
            return Bound(self.kind, self.label(params), feature=self.name, sign=sign)
        if self.kind == "dynamic":
            coef = float(params[self.name]) if self.name else self.value
            unit = _UNIT_INDICATOR[str(self.args[0])]
            req = normalise(unit, (_arg(self.args[1], params),))
            return Bound(self.kind, self.label(params), scalar=sign * coef, request=req)
        args = tuple(_arg(a, params) for a in self.args)
        return Bound(self.kind, self.label(params), request=normalise(self.name, args), sign=sign)


def _arg(a: float | str, params: Mapping[str, Any]) -> float:
    return float(params[a]) if isinstance(a, str) else a


@dataclass(frozen=True, slots=True)
class Bound:
    """An operand with its parameters resolved: a scalar, an indicator request or a feature."""

    kind: str
    label: str
    scalar: float = math.nan
    request: IndicatorRequest | None = None
    feature: str = ""
    sign: float = 1.0

    def evaluate(self, ctx: StrategyContext, subject: FloatArray | None) -> FloatArray | float:
        """Return the operand's value: a scalar, a (symbols, time) or a (1, time) array.

        ``subject`` is the compared operand's array; a percentile is taken of it.
        """
        if self.kind in ("number", "param"):
            return self.scalar
        if self.kind == "percentile":
            if subject is None:
                raise OperandError(f"{self.label} needs an operand to take the percentile of")
            return cross_percentile(subject, self.scalar)
        if self.kind == "feature":
            return self.sign * ctx.feature(self.feature)
        assert self.request is not None
        arr = ctx.bank.get(self.request)
        if self.kind == "dynamic":
            return self.scalar * shift(arr)
        return arr if self.sign == 1.0 else -arr

    def percentile_of(self, ctx: StrategyContext, subject: Bound, values: FloatArray) -> FloatArray:
        """Return this percentile of ``subject`` (already evaluated as ``values``).

        Indicator subjects are shared by every configuration of the cycle, so their
        percentiles are kept with the indicators and computed once per frame.
        """
        if subject.request is None or subject.kind != "series":
            return cross_percentile(values, self.scalar)
        name, args = subject.request
        key = (f"p{self.scalar:g}|{subject.sign:+g}|{name}", args)
        return ctx.bank.derived(key, lambda: cross_percentile(values, self.scalar))

    def at(self, value: FloatArray | float, r: int, t: int) -> float:
        """Return the evaluated value at row ``r``, bar ``t`` (for reason sentences)."""
        if isinstance(value, float | int):
            return float(value)
        arr = np.asarray(value)
        return float(arr[min(r, arr.shape[0] - 1), t])


def parse_operand(
    raw: object,
    params: Mapping[str, ParamSpec],
    features: Collection[str],
) -> Operand:
    """Parse one operand (a YAML number or string); raise OperandError on any problem."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise OperandError(f"type error: operand {raw!r} must be a number or a string")
    if not isinstance(raw, str):
        if not math.isfinite(raw):
            raise OperandError(f"operand {raw!r} is not finite")
        return Operand("number", str(raw), value=float(raw))
    text = raw.strip()
    negate = text.startswith("-")
    body = text[1:].strip() if negate else text
    if _RE_NUM.match(body):
        return Operand("number", text, value=-float(body) if negate else float(body))
    if m := _RE_PCT.match(body):
        return _percentile(text, negate, float(m.group(1)))
    if m := _RE_PCT_PARAM.match(body):
        return _percentile_param(text, negate, m.group(1), params)
    if m := _RE_DYN.match(body):
        return _dynamic(text, negate, m, params)
    if m := _RE_CALL.match(body):
        return _call(text, negate, m.group("name"), m.group("args"), params)
    if _RE_NAME.match(body):
        return _name(text, negate, body, params, features)
    raise OperandError(f"cannot parse operand {text!r}")


def _percentile(text: str, negate: bool, q: float) -> Operand:
    if negate:
        raise OperandError(f"a percentile cannot be negated: {text!r}")
    if not 0 <= q <= 100:
        raise OperandError(f"percentile {text!r} must lie in p0..p100")
    return Operand("percentile", text, value=q)


def _percentile_param(
    text: str, negate: bool, name: str, params: Mapping[str, ParamSpec]
) -> Operand:
    if negate:
        raise OperandError(f"a percentile cannot be negated: {text!r}")
    spec = params.get(name)
    if spec is None:
        raise OperandError(f"unknown parameter {name!r} in {text!r}")
    if spec.kind not in ("int", "float"):
        raise OperandError(f"type error: parameter {name!r} in {text!r} must be a number")
    if spec.low is None or spec.high is None or spec.low < 0 or spec.high > 100:
        raise OperandError(f"parameter {name!r} in {text!r} must range within 0..100")
    return Operand("percentile", text, name=name)


def _period_arg(
    raw: str, params: Mapping[str, ParamSpec], where: str, kind: str = "int"
) -> float | str:
    raw = raw.strip()
    if _RE_NUM.match(raw):
        return float(raw)
    if raw in params:
        spec = params[raw]
        ok = spec.kind == "int" if kind == "int" else spec.kind in ("int", "float")
        if not ok:
            raise OperandError(
                f"type error: parameter {raw!r} is {spec.kind} but {where} needs {kind}"
            )
        return raw
    raise OperandError(f"unknown parameter {raw!r} in {where}")


def _dynamic(text: str, negate: bool, m: re.Match[str], params: Mapping[str, ParamSpec]) -> Operand:
    unit = m.group("unit")
    n_raw = m.group("n")
    default = CATALOG[_UNIT_INDICATOR[unit]].args[0].default
    n: float | str = default if n_raw is None else _period_arg(n_raw, params, f"{text!r}")
    if m.group("par") is not None:
        name = m.group("par")
        if name not in params:
            raise OperandError(f"unknown parameter {name!r} in {text!r}")
        if params[name].kind not in ("int", "float"):
            raise OperandError(f"type error: parameter {name!r} in {text!r} must be a number")
        op = Operand("dynamic", text, negate, name=name, args=(unit, n))
    else:
        op = Operand("dynamic", text, negate, value=float(m.group("num")), args=(unit, n))
    _check_request(op, params)
    return op


def _call(
    text: str, negate: bool, name: str, args_text: str, params: Mapping[str, ParamSpec]
) -> Operand:
    spec = CATALOG.get(name)
    if spec is None:
        raise OperandError(f"unknown indicator {name!r}")
    parts = [a for a in (x.strip() for x in args_text.split(",")) if a]
    if len(parts) > len(spec.args):
        raise OperandError(
            f"wrong arity: {name} takes at most {len(spec.args)} argument(s), got {len(parts)}"
        )
    args = tuple(
        _period_arg(p, params, f"{name}", a.kind) for p, a in zip(parts, spec.args, strict=False)
    )
    op = Operand("series", text, negate, name=name, args=args)
    _check_request(op, params)
    return op


def _name(
    text: str,
    negate: bool,
    body: str,
    params: Mapping[str, ParamSpec],
    features: Collection[str],
) -> Operand:
    if body in params:
        spec = params[body]
        if spec.kind not in ("int", "float"):
            raise OperandError(f"type error: parameter {body!r} is {spec.kind}, not a number")
        return Operand("param", text, negate, name=body)
    if body in CATALOG:
        return Operand("series", text, negate, name=body)
    if body in features:
        return Operand("feature", text, negate, name=body)
    raise OperandError(f"unknown indicator, feature or parameter {body!r}")


def _check_request(op: Operand, params: Mapping[str, ParamSpec]) -> None:
    """Bind with every parameter at its low and high end to catch impossible periods early."""
    for pick in ("default", "low", "high"):
        values: dict[str, Any] = {}
        for k, s in params.items():
            v = getattr(s, pick) if pick != "default" else s.default
            values[k] = s.default if v is None else v
        try:
            op.bind(values)
        except ValueError as exc:
            where = "" if pick == "default" else f" (with parameters at their {pick} end)"
            raise OperandError(f"{op.text!r}: {exc}{where}") from None
