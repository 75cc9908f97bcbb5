"""Read a rule file's YAML node tree into parameter specs and condition trees.

Every problem is collected with its line (from the YAML node marks), so one run of
``simbiot strategies validate`` lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, cast, get_args

import yaml

from simbiot.signals.catalog import CATALOG
from simbiot.signals.params import ParamKind, ParamSpec
from simbiot.signals.rules.conditions import COMPARISONS, Condition
from simbiot.signals.rules.errors import RuleIssue
from simbiot.signals.rules.operands import OperandError, parse_operand

__all__ = ["ParsedRule", "parse_nodes"]

_TOP_KEYS = {"name", "description", "params", "entry", "exit"}
_PARAM_KEYS = {"default", "low", "high", "step", "type", "choices", "doc"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PCT_LIKE = re.compile(r"^p\d")
_UNITS = {"sigma", "vol", "atr"}
# operator -> number of operands
_ARITY = {
    **dict.fromkeys(COMPARISONS, 2),
    "crosses_above": 2,
    "crosses_below": 2,
    "rising": 2,
    "falling": 2,
    "between": 3,
    "outside": 3,
}


@dataclass(slots=True)
class ParsedRule:
    """What a rule file declares, plus the issues found while reading it."""

    file: str
    name: str = ""
    description: str = ""
    params: dict[str, ParamSpec] = field(default_factory=dict)
    entry: Condition | None = None
    exit: Condition | None = None
    issues: list[RuleIssue] = field(default_factory=list)

    def issue(self, node: yaml.Node | None, message: str) -> None:
        """Record a problem at ``node``'s line."""
        line = node.start_mark.line + 1 if node is not None else 0
        self.issues.append(RuleIssue(self.file, line, message))


_BOOL_TAG = "tag:yaml.org,2002:bool"


def _scalar(node: yaml.Node) -> Any:
    """Return a node's value with YAML's own (safe) type resolution."""
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _word(node: yaml.Node) -> Any:
    """Return a key or operand: YAML 1.1 booleans written bare (on, yes) stay words."""
    if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL_TAG and node.style is None:
        return node.value
    return _scalar(node)


def parse_nodes(root: yaml.Node | None, file: str, features: Collection[str]) -> ParsedRule:
    """Return the parsed rule; problems are in ``issues`` rather than raised."""
    rule = ParsedRule(file)
    if not isinstance(root, yaml.MappingNode):
        rule.issue(root, "a rule file must be a mapping with name, params, entry and exit")
        return rule
    top: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in root.value:
        key = _word(k)
        if key not in _TOP_KEYS:
            rule.issue(k, f"unknown key {key!r} (expected one of {sorted(_TOP_KEYS)})")
        elif key in top:
            rule.issue(k, f"duplicate key {key!r}")
        else:
            top[key] = (k, v)
    _parse_header(rule, root, top)
    if "params" in top:
        _parse_params(rule, top["params"][1])
    for part in ("entry", "exit"):
        if part in top:
            cond = _condition(rule, top[part][1], features)
            setattr(rule, part, cond)
    if "entry" not in top:
        rule.issue(root, "missing required key 'entry'")
    return rule


def _parse_header(
    rule: ParsedRule, root: yaml.Node, top: dict[str, tuple[yaml.Node, yaml.Node]]
) -> None:
    if "name" not in top:
        rule.issue(root, "missing required key 'name'")
    else:
        node = top["name"][1]
        name = _scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(name, str) or not _NAME.match(name):
            rule.issue(
                node, "name must be lower-case letters, digits and '_' (start with a letter)"
            )
        elif name in _builtin_names():
            rule.issue(node, f"name {name!r} is taken by a built-in strategy")
        else:
            rule.name = name
    if "description" in top:
        node = top["description"][1]
        text = _scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(text, str):
            rule.issue(node, "type error: description must be text")
        else:
            rule.description = text


def _builtin_names() -> set[str]:
    from simbiot.signals.builtin import BUILTINS

    return {cls.name for cls in BUILTINS}


def _parse_params(rule: ParsedRule, node: yaml.Node) -> None:
    if not isinstance(node, yaml.MappingNode):
        rule.issue(node, "type error: params must be a mapping of name to {default, low, high}")
        return
    for k, v in node.value:
        name = _word(k)
        if not isinstance(name, str) or not _NAME.match(name):
            rule.issue(k, f"parameter name {name!r} must be lower-case letters, digits and '_'")
            continue
        if name in CATALOG or name in _UNITS or _PCT_LIKE.match(name):
            rule.issue(k, f"parameter {name!r} shadows an indicator, unit or percentile")
            continue
        if name in rule.params:
            rule.issue(k, f"duplicate parameter {name!r}")
            continue
        spec = _param_spec(rule, name, v)
        if spec is not None:
            rule.params[name] = spec


def _param_spec(rule: ParsedRule, name: str, node: yaml.Node) -> ParamSpec | None:
    if not isinstance(node, yaml.MappingNode):
        rule.issue(node, f"type error: parameter {name!r} must be a mapping with a default")
        return None
    fields: dict[str, Any] = {}
    for k, v in node.value:
        key = _word(k)
        if key not in _PARAM_KEYS:
            rule.issue(
                k, f"parameter {name!r}: unknown key {key!r} (expected {sorted(_PARAM_KEYS)})"
            )
            return None
        fields[key] = (
            [_scalar(x) for x in v.value] if isinstance(v, yaml.SequenceNode) else _scalar(v)
        )
    if "default" not in fields:
        rule.issue(node, f"parameter {name!r} needs a default")
        return None
    kind = fields.pop("type", None) or _infer_kind(fields)
    if kind not in get_args(ParamKind):
        rule.issue(node, f"parameter {name!r}: unknown type {kind!r} (int, float, bool, choice)")
        return None
    for key in ("low", "high", "step"):
        value = fields.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            rule.issue(
                node, f"type error: parameter {name!r}: {key} must be a number, got {value!r}"
            )
            return None
    try:
        return ParamSpec(
            default=fields["default"],
            kind=cast(ParamKind, kind),
            low=fields.get("low"),
            high=fields.get("high"),
            step=fields.get("step"),
            choices=tuple(fields.get("choices") or ()),
            doc=str(fields.get("doc") or ""),
        )
    except (ValueError, TypeError) as exc:
        rule.issue(node, f"parameter {name!r}: {exc}")
        return None


def _infer_kind(fields: dict[str, Any]) -> str:
    if "choices" in fields:
        return "choice"
    values = [fields.get(k) for k in ("default", "low", "high", "step") if k in fields]
    if isinstance(fields["default"], bool):
        return "bool"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    return "float"


def _condition(rule: ParsedRule, node: yaml.Node, features: Collection[str]) -> Condition | None:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        rule.issue(node, "a condition is a mapping with exactly one operator, e.g. {gt: [rsi, 70]}")
        return None
    key_node, body = node.value[0]
    op = _word(key_node)
    if op in ("all", "any"):
        if not isinstance(body, yaml.SequenceNode) or not body.value:
            rule.issue(body, f"type error: '{op}' takes a non-empty list of conditions")
            return None
        children = [_condition(rule, c, features) for c in body.value]
        if any(c is None for c in children):
            return None
        return Condition(op, line, children=tuple(c for c in children if c is not None))
    if op == "not":
        child = _condition(rule, body, features)
        return None if child is None else Condition(op, line, children=(child,))
    if op not in _ARITY:
        known = sorted([*_ARITY, "all", "any", "not"])
        rule.issue(key_node, f"unknown operator {op!r} (expected one of {known})")
        return None
    return _leaf(rule, op, line, body, features)


def _leaf(
    rule: ParsedRule, op: str, line: int, body: yaml.Node, features: Collection[str]
) -> Condition | None:
    if not isinstance(body, yaml.SequenceNode):
        rule.issue(body, f"type error: '{op}' takes a list of {_ARITY[op]} operands")
        return None
    if len(body.value) != _ARITY[op]:
        rule.issue(body, f"wrong arity: '{op}' takes {_ARITY[op]} operands, got {len(body.value)}")
        return None
    raw: list[Any] = []
    for item in body.value:
        if not isinstance(item, yaml.ScalarNode):
            rule.issue(
                item, f"type error: operands of '{op}' are numbers or strings, not a {item.id}"
            )
            return None
        raw.append(_word(item))
    if op in ("rising", "falling"):
        return _trend(rule, op, line, body, raw, features)
    operands = []
    for i, (item, value) in enumerate(zip(body.value, raw, strict=True)):
        try:
            operand = parse_operand(value, rule.params, features)
        except OperandError as exc:
            rule.issue(item, str(exc))
            return None
        if i == 0 and not operand.is_series:
            rule.issue(
                item,
                f"type error: the first operand of '{op}' must be an indicator or feature, got {operand.text!r}",
            )
            return None
        operands.append(operand)
    return Condition(op, line, args=tuple(operands))


def _trend(
    rule: ParsedRule,
    op: str,
    line: int,
    body: yaml.SequenceNode,
    raw: list[Any],
    features: Collection[str],
) -> Condition | None:
    try:
        subject = parse_operand(raw[0], rule.params, features)
    except OperandError as exc:
        rule.issue(body.value[0], str(exc))
        return None
    if not subject.is_series:
        rule.issue(
            body.value[0], f"type error: '{op}' needs an indicator or feature, got {subject.text!r}"
        )
        return None
    bars = raw[1]
    if isinstance(bars, str) and bars in rule.params:
        spec = rule.params[bars]
        if spec.kind != "int" or (spec.low is not None and spec.low < 1):
            rule.issue(
                body.value[1], f"type error: bar count {bars!r} must be an int parameter >= 1"
            )
            return None
        return Condition(op, line, args=(subject,), bars=bars)
    if isinstance(bars, str) and bars.isidentifier():
        rule.issue(body.value[1], f"unknown parameter {bars!r}")
        return None
    if isinstance(bars, bool) or not isinstance(bars, int) or bars < 1:
        rule.issue(body.value[1], f"type error: bar count {bars!r} must be an integer >= 1")
        return None
    return Condition(op, line, args=(subject,), bars=bars)
