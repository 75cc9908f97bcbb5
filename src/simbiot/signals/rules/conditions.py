"""Condition trees of rule strategies and their vectorised evaluation.

A tree is parsed once per file; :meth:`Condition.bind` fixes parameter values, giving a
:class:`BoundCondition` whose ``evaluate`` is a handful of whole-array numpy operations over
every symbol and bar. The run keeps each node's operand arrays, so a reason sentence for
one (symbol, bar) reads the numbers without recomputing anything.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.signals.builtin._common import fmt
from simbiot.signals.catalog import IndicatorRequest
from simbiot.signals.context import StrategyContext
from simbiot.signals.frame import BoolArray
from simbiot.signals.ops import crosses_above, crosses_below, falling, rising
from simbiot.signals.rules.operands import Bound, Operand

__all__ = ["COMPARISONS", "BoundCondition", "Condition", "Run"]

Value = FloatArray | float
COMPARISONS: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    "gt": (">", operator.gt),
    "lt": ("<", operator.lt),
    "ge": (">=", operator.ge),
    "le": ("<=", operator.le),
}


@dataclass(slots=True)
class Run:
    """One evaluation over a context: operand values kept per bound node."""

    ctx: StrategyContext
    values: dict[int, tuple[Value, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: ``op`` with operand ``args`` or child ``children``, at ``line``."""

    op: str
    line: int
    args: tuple[Operand, ...] = ()
    children: tuple[Condition, ...] = ()
    bars: int | str = 1

    def bind(self, params: Mapping[str, Any]) -> BoundCondition:
        """Fix parameter values; return the evaluable condition."""
        bars = int(params[self.bars]) if isinstance(self.bars, str) else self.bars
        return BoundCondition(
            self.op,
            tuple(a.bind(params) for a in self.args),
            tuple(c.bind(params) for c in self.children),
            bars,
        )


def _all_finite_bool(x: Any) -> BoolArray:
    return np.asarray(x, dtype=bool)


@dataclass(frozen=True, slots=True, eq=False)
class BoundCondition:
    """A condition with parameters fixed; evaluates to a (symbols, time) boolean array."""

    op: str
    args: tuple[Bound, ...]
    children: tuple[BoundCondition, ...]
    bars: int

    def requests(self) -> set[IndicatorRequest]:
        """Return every indicator request of this subtree."""
        out = {a.request for a in self.args if a.request is not None}
        for c in self.children:
            out |= c.requests()
        return out

    def features(self) -> set[str]:
        """Return every feature name of this subtree."""
        out = {a.feature for a in self.args if a.feature}
        for c in self.children:
            out |= c.features()
        return out

    def evaluate(self, run: Run) -> BoolArray:
        """Return where the condition holds; NaN operands never hold."""
        shape = run.ctx.frame.shape
        if self.op in ("all", "any"):
            combine = np.logical_and if self.op == "all" else np.logical_or
            acc = np.full(shape, self.op == "all")
            for c in self.children:
                combine(acc, c.evaluate(run), out=acc)
            return acc
        if self.op == "not":
            return ~self.children[0].evaluate(run)
        subject = self.args[0].evaluate(run.ctx, None)
        subj_arr = np.asarray(subject, dtype=np.float64)
        head = self.args[0]
        rest = tuple(
            a.percentile_of(run.ctx, head, subj_arr)
            if a.kind == "percentile"
            else a.evaluate(run.ctx, subj_arr)
            for a in self.args[1:]
        )
        run.values[id(self)] = (subject, *rest)
        return np.broadcast_to(self._test(subject, rest), shape).copy()

    def _test(self, x: Value, rest: tuple[Value, ...]) -> BoolArray:
        with np.errstate(invalid="ignore"):
            if self.op in COMPARISONS:
                return _all_finite_bool(COMPARISONS[self.op][1](x, rest[0]))
            if self.op == "crosses_above":
                return crosses_above(np.asarray(x, dtype=np.float64), rest[0])
            if self.op == "crosses_below":
                return crosses_below(np.asarray(x, dtype=np.float64), rest[0])
            if self.op in ("rising", "falling"):
                fn = rising if self.op == "rising" else falling
                return fn(np.asarray(x, dtype=np.float64), self.bars)
            lo, hi = rest
            inside = (x >= lo) & (x <= hi)
            if self.op == "between":
                return _all_finite_bool(inside)
            return _all_finite_bool((x < lo) | (x > hi))

    def describe(self, run: Run, r: int, t: int) -> str:
        """Return the condition with its numbers at row ``r``, bar ``t``."""
        if self.op in ("all", "any"):
            parts = [c.describe(run, r, t) for c in self.children]
            return "; ".join(parts) if self.op == "all" else " or ".join(f"({p})" for p in parts)
        if self.op == "not":
            return f"not ({self.children[0].describe(run, r, t)})"
        vals = run.values.get(id(self))
        if vals is None:
            return self.op
        shown = [
            a.label if a.kind in ("number", "param") else f"{a.label}={fmt(a.at(v, r, t))}"
            for a, v in zip(self.args, vals, strict=True)
        ]
        x = shown[0]
        if self.op in COMPARISONS:
            return f"{x} {COMPARISONS[self.op][0]} {shown[1]}"
        if self.op.startswith("crosses_"):
            return f"{x} {self.op.replace('_', ' ')} {shown[1]}"
        if self.op in ("rising", "falling"):
            return f"{x} {self.op} for {self.bars} bar(s)"
        return f"{x} {self.op} {shown[1]} and {shown[2]}"
