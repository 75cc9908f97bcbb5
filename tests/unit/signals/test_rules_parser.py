from __future__ import annotations

import contextlib
from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from signal_frames import random_frame

from simbiot.signals.catalog import normalise
from simbiot.signals.context import SignalInputs
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.params import ParamSpec
from simbiot.signals.rules import RuleFileError, check_rule_text, load_rule_file, parse_rule_text
from simbiot.signals.rules.operands import OperandError, parse_operand

SMALL = random_frame(3, 60, seed=1)
EXAMPLE = dedent(
    """\
    name: rsi_dip
    params: {rsi_len: {default: 14, low: 5, high: 30, type: int}, k: {default: 2.0, low: 0.5, high: 4.0}}
    entry: {all: [{lt: [rsi(rsi_len), 30]}, {crosses_above: [close, ema(50)]}, {rising: [volume_z, 3]},
            {gt: [ret(1), "-k*vol"]}, {gt: [volume_z, "p90"]}, {not: {between: [rsi(rsi_len), 45, 55]}}]}
    exit: {any: [{gt: [rsi(rsi_len), 70]}]}
    """
)


def test_the_documented_example_parses() -> None:
    s = parse_rule_text(EXAMPLE, "example.yaml")
    assert s.name == "rsi_dip"
    assert s.parameters()["rsi_len"] == ParamSpec(14, "int", 5, 30)
    assert s.parameters()["k"].kind == "float"
    needs = s.required_indicators({"rsi_len": 9, "k": 2.0})
    assert {
        ("rsi", (9,)),
        ("ema", (50,)),
        ("volume_z", (20,)),
        ("vol", (20,)),
        ("ret", (1,)),
    } <= needs


def _issues(text: str) -> list[tuple[int, str]]:
    return [(i.line, i.message) for i in check_rule_text(dedent(text), "r.yaml")]


def _one(text: str) -> tuple[int, str]:
    found = _issues(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("name: a\nentry:\n  gt: [rsy(14), 30]\n", 3, "unknown indicator 'rsy'"),
        (
            "name: a\nentry:\n  gt: [close, foo]\n",
            3,
            "unknown indicator, feature or parameter 'foo'",
        ),
        ("name: a\nentry:\n  lt: [rsi(n), 30]\n", 3, "unknown parameter 'n'"),
        ("name: a\nentry:\n  between: [rsi, 30]\n", 3, "wrong arity: 'between' takes 3"),
        ("name: a\nentry:\n  gt: ['rsi(14, 3)', 30]\n", 3, "wrong arity: rsi takes at most 1"),
        ("name: a\nentry:\n  gt: [rsi(14, 3), 30]\n", 3, "wrong arity: 'gt' takes 2"),
        ("name: a\nentry:\n  gt: [30, rsi]\n", 3, "type error: the first operand"),
        ("name: a\nentry:\n  all: {gt: [rsi, 1]}\n", 3, "type error: 'all' takes a non-empty list"),
        ("name: a\nentry:\n  gt: [rsi, [1, 2]]\n", 3, "type error: operands of 'gt'"),
        ("name: a\nentry:\n  gt: [rsi, null]\n", 3, "type error: operand None"),
        ("name: a\nentry:\n  bigger: [rsi, 3]\n", 3, "unknown operator 'bigger'"),
        ("name: a\nentry:\n  rising: [rsi, 0]\n", 3, "bar count 0"),
        ("name: a\nentry:\n  gt: [ema(2.5), 1]\n", 3, "must be an integer"),
        ("name: a\nentry:\n  gt: [ema(1), 1]\n", 3, "must be >= 2"),
        ("name: a\nentry:\n  gt: [rsi, p101]\n", 3, "p0..p100"),
        ("name: a\nentry:\n  gt: [rsi, 'p(q)']\n", 3, "unknown parameter 'q'"),
        (
            "name: a\nparams:\n  q: {default: 5.0, low: 0.0, high: 500.0}\nentry:\n  gt: [rsi, 'p(q)']\n",
            5,
            "must range within 0..100",
        ),
        ("name: a\nentry:\n  gt: [rsi, 'q*vol']\n", 3, "unknown parameter 'q'"),
        ("name: a\nentry:\n  gt: [close, '2*furlong']\n", 3, "cannot parse operand"),
        (
            "name: a\nparams:\n  n: {default: 50, low: 60, high: 10}\nentry: {gt: [rsi, 1]}\n",
            3,
            "impossible range: low 60 > high 10",
        ),
        (
            "name: a\nparams:\n  n: {default: 5, low: 10, high: 60}\nentry: {gt: [rsi, 1]}\n",
            3,
            "default 5 outside the range",
        ),
        (
            "name: a\nparams:\n  k: {default: 2.0, low: 0.5, high: 4.0}\nentry:\n  gt: [ema(k), 1]\n",
            5,
            "type error: parameter 'k' is float but ema needs int",
        ),
        (
            "name: a\nparams:\n  n: {default: 14, low: 1, high: 30}\nentry:\n  gt: [rsi(n), 1]\n",
            5,
            "rsi: n must be >= 2, got 1 (with parameters at their low end)",
        ),
        (
            "name: a\nparams:\n  on: {default: true}\nentry:\n  gt: [rsi, on]\n",
            5,
            "type error: parameter 'on' is bool",
        ),
        (
            "name: a\nentry:\n  gt: [rsi, yes]\n",
            3,
            "unknown indicator, feature or parameter 'yes'",
        ),
        ("name: a\nparams:\n  n: {low: 1, high: 3}\nentry: {gt: [rsi, 1]}\n", 3, "needs a default"),
        (
            "name: a\nparams:\n  rsi: {default: 1, low: 1, high: 3}\nentry: {gt: [rsi, 1]}\n",
            3,
            "shadows",
        ),
        (
            "name: a\nparams:\n  n: {default: 1, low: 1, high: 3, typ: int}\nentry: {gt: [rsi, 1]}\n",
            3,
            "unknown key 'typ'",
        ),
        ("name: a\nentry: {gt: [rsi, 1]}\nexits: {}\n", 3, "unknown key 'exits'"),
        ("name: A-b\nentry: {gt: [rsi, 1]}\n", 1, "name must be lower-case"),
        ("name: trend_ema_adx\nentry: {gt: [rsi, 1]}\n", 1, "taken by a built-in"),
        ("name: a\n", 1, "missing required key 'entry'"),
        ("entry: {gt: [rsi, 1]}\n", 1, "missing required key 'name'"),
        ("name: a\nentry: {gt: [rsi, 1], lt: [rsi, 2]}\n", 2, "exactly one operator"),
        ("name: a\nentry:\n  gt: [rsi, 1\n", 4, "YAML syntax"),
        ("- 1\n- 2\n", 1, "must be a mapping"),
    ],
)
def test_each_problem_is_reported_with_its_line(text: str, line: int, fragment: str) -> None:
    got_line, message = _one(text)
    assert fragment in message
    assert got_line == line


def test_every_problem_of_a_file_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nparams:\n  n: {default: 50, low: 60, high: 10}\n"
        "entry:\n  all:\n    - {lt: [rsy(14), 30]}\n    - {gt: [30, rsi]}\n"
    )
    with pytest.raises(RuleFileError) as info:
        load_rule_file(path)
    lines = sorted(i.line for i in info.value.issues)
    assert lines == [3, 6, 7]
    assert str(info.value).startswith(f"{path}:")


def test_unreadable_file_is_a_rule_file_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rule_file(tmp_path / "missing.yaml")


def test_features_are_operands_only_when_declared() -> None:
    text = "name: a\nentry:\n  gt: [momentum_z, 1]\n"
    assert check_rule_text(text)
    assert not check_rule_text(text, features={"momentum_z"})


def test_choice_and_int_params_and_param_bar_counts() -> None:
    s = parse_rule_text(
        "name: a\nparams:\n  n: {default: 3, low: 1, high: 5}\n  m: {default: x, choices: [x, y]}\n"
        "entry:\n  rising: [close, n]\n"
    )
    assert s.parameters()["n"].kind == "int"
    assert s.parameters()["m"].kind == "choice"


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [("30", "number", 30.0), ("-0.5", "number", -0.5), ("p90", "percentile", 90.0),
     ("2.5sigma", "dynamic", 2.5), ("1.5*atr(14)", "dynamic", 1.5)],
)  # fmt: skip
def test_operand_grammar(text: str, kind: str, value: float) -> None:
    op = parse_operand(text, {}, ())
    assert (op.kind, op.value) == (kind, value)


def test_dynamic_operand_binds_to_its_unit() -> None:
    op = parse_operand("-k*vol(30)", {"k": ParamSpec(2.0, "float", 0, 5)}, ())
    bound = op.bind({"k": 3.0})
    assert bound.request == normalise("vol", (30,))
    assert bound.scalar == -3.0
    assert op.label({"k": 3.0}) == "-3.0×vol(30)"


def test_percentile_cannot_be_negated() -> None:
    with pytest.raises(OperandError, match="negated"):
        parse_operand("-p90", {}, ())


@settings(deadline=None)
@given(st.floats(-1e9, 1e9, allow_nan=False))
def test_numbers_parse_back_exactly(x: float) -> None:
    op = parse_operand(repr(x), {}, ())
    assert op.kind == "number"
    assert op.value == x
    assert parse_operand(x, {}, ()).value == x


@settings(deadline=None)
@given(st.text(max_size=30))
def test_operand_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(OperandError):
        parse_operand(text, {}, {"feat"})


@settings(deadline=None)
@given(st.text(max_size=200))
def test_checking_arbitrary_text_never_raises(text: str) -> None:
    for issue in check_rule_text(text, "fuzz.yaml"):
        assert issue.file == "fuzz.yaml"
        assert issue.line >= 0


_ops = st.sampled_from(["gt", "lt", "ge", "le", "crosses_above", "between", "rising", "nope"])
_operands = st.sampled_from(
    ["rsi", "ema(20)", "p90", "2sigma", "k*vol", "30", "-1", "x", "[1]", "{a: 1}"]
)


@settings(deadline=None)
@given(
    st.lists(st.tuples(_ops, st.lists(_operands, min_size=0, max_size=4)), min_size=1, max_size=4)
)
def test_generated_rule_files_give_issues_or_a_strategy(conds: list[tuple[str, list[str]]]) -> None:
    lines = ["name: gen", "params:", "  k: {default: 2.0, low: 0.5, high: 4.0}", "entry:", "  all:"]
    lines += [f"    - {{{op}: [{', '.join(args)}]}}" for op, args in conds]
    text = "\n".join(lines) + "\n"
    issues = check_rule_text(text)
    if not issues:
        strategy = parse_rule_text(text)
        out = strategy.evaluate(SignalInputs(SMALL).context(IndicatorCache()), {"k": 2.0})
        assert out.entry.shape == SMALL.shape
        assert 0.0 <= float(out.strength.min()) <= float(out.strength.max()) <= 1.0
    else:
        assert all(5 <= i.line <= len(lines) for i in issues), issues


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: a\nentry:\n  rising: [close, m]\n", "unknown parameter 'm'"),
        ("name: a\nentry:\n  rising: [close, 2.5]\n", "bar count 2.5 must be an integer"),
        ("name: a\nentry:\n  rising: [3, 2]\n", "'rising' needs an indicator or feature"),
        (
            "name: a\nentry:\n  rising: [clse, 2]\n",
            "unknown indicator, feature or parameter 'clse'",
        ),
        (
            "name: a\nparams:\n  k: {default: 2.0, low: 0.5, high: 4.0}\nentry:\n  rising: [close, k]\n",
            "bar count 'k' must be an int parameter",
        ),
    ],
)
def test_rising_and_falling_operands_are_checked(text: str, fragment: str) -> None:
    issues = check_rule_text(text)
    assert len(issues) == 1
    assert fragment in issues[0].message


def test_a_percentile_without_a_subject_is_an_operand_error() -> None:
    from signal_frames import make_frame

    bound = parse_operand("p90", {}, ()).bind({})
    ctx = SignalInputs(make_frame([[1.0, 2.0]])).context(IndicatorCache())
    with pytest.raises(OperandError, match="needs an operand"):
        bound.evaluate(ctx, None)
