"""A strategy declared in a rule file, and the loader that checks it line by line."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from simbiot.signals.catalog import IndicatorRequest
from simbiot.signals.context import StrategyContext
from simbiot.signals.frame import SignalFrame
from simbiot.signals.model import Side
from simbiot.signals.params import ParamSpec
from simbiot.signals.rules.conditions import BoundCondition, Condition, Run
from simbiot.signals.rules.errors import RuleFileError, RuleIssue
from simbiot.signals.rules.parser import ParsedRule, parse_nodes

__all__ = ["RuleStrategy", "check_rule_text", "load_rule_file", "parse_rule_text"]


class RuleStrategy:
    """A strategy whose entry and exit are condition trees from a rule file.

    Strength: for an ``all``/``any`` entry, the share of its conditions that hold (1.0 for a
    firing ``all``); otherwise 1.0 where the entry holds.
    """

    def __init__(
        self,
        name: str,
        params: Mapping[str, ParamSpec],
        entry: Condition,
        exit: Condition | None,
        *,
        description: str = "",
        source: str = "",
    ) -> None:
        self._name = name
        self._params = dict(params)
        self._entry = entry
        self._exit = exit
        self._description = description or f"rule strategy from {source or 'configuration'}"
        self.source = source

    @property
    def name(self) -> str:
        """The rule file's ``name``."""
        return self._name

    @property
    def description(self) -> str:
        """The rule file's ``description``."""
        return self._description

    def parameters(self) -> Mapping[str, ParamSpec]:
        """Return the declared parameters."""
        return self._params

    def _bind(self, params: Mapping[str, Any]) -> tuple[BoundCondition, BoundCondition | None]:
        return self._entry.bind(params), None if self._exit is None else self._exit.bind(params)

    def required_indicators(self, params: Mapping[str, Any]) -> set[IndicatorRequest]:
        """Return every indicator request of the entry and exit trees."""
        entry, exit_ = self._bind(params)
        return entry.requests() | (set() if exit_ is None else exit_.requests())

    def required_features(self, params: Mapping[str, Any]) -> set[str]:
        """Return every feature the trees read."""
        entry, exit_ = self._bind(params)
        return entry.features() | (set() if exit_ is None else exit_.features())

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        """Evaluate both trees over every symbol and bar."""
        entry_c, exit_c = self._bind(params)
        run = Run(ctx)
        if entry_c.op in ("all", "any") and entry_c.children:
            masks = [c.evaluate(run) for c in entry_c.children]
            stacked = np.stack(masks)
            entry = np.asarray(
                stacked.all(axis=0) if entry_c.op == "all" else stacked.any(axis=0), dtype=bool
            )
            strength = stacked.mean(axis=0)
        else:
            entry = entry_c.evaluate(run)
            strength = entry.astype(np.float64)
        exit_mask = np.zeros_like(entry) if exit_c is None else exit_c.evaluate(run)

        def reason(r: int, t: int, side: Side) -> str:
            tree = entry_c if side.is_entry or exit_c is None else exit_c
            return f"{self._name}: {tree.describe(run, r, t)}"

        return SignalFrame(
            ctx.frame.symbols, ctx.frame.timestamp, entry, exit_mask, strength, reason
        )


def _parse(text: str, file: str, features: Collection[str]) -> ParsedRule:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        rule = ParsedRule(file)
        rule.issues.append(RuleIssue(file, line, f"YAML syntax: {exc.problem or exc}"))
        return rule
    except yaml.YAMLError as exc:
        rule = ParsedRule(file)
        rule.issues.append(RuleIssue(file, 0, f"YAML: {exc}"))
        return rule
    return parse_nodes(root, file, features)


def check_rule_text(
    text: str, file: str = "<rules>", features: Collection[str] = ()
) -> list[RuleIssue]:
    """Return every problem of a rule document (empty when it is valid)."""
    return _parse(text, file, features).issues


def parse_rule_text(
    text: str, file: str = "<rules>", features: Collection[str] = ()
) -> RuleStrategy:
    """Return the strategy a rule document declares; raise RuleFileError listing every issue.

    ``features`` names the feature arrays operands may refer to besides the indicators.
    """
    rule = _parse(text, file, features)
    if rule.issues:
        raise RuleFileError(rule.issues)
    assert rule.entry is not None
    return RuleStrategy(
        rule.name, rule.params, rule.entry, rule.exit, description=rule.description, source=file
    )


def load_rule_file(path: str | Path, features: Collection[str] = ()) -> RuleStrategy:
    """Read, check and compile one rule file; raise RuleFileError naming file and lines."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError([RuleIssue(str(p), 0, f"cannot read the file: {exc}")]) from exc
    return parse_rule_text(text, str(p), features)
