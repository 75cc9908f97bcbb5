"""Fault rules: the compact grammar and the seeded draws."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simbiot.exchange.simulator.faults import FAULT_KINDS, FaultBook, FaultSpec, parse_faults


def test_parse_examples() -> None:
    rules = parse_faults("klines:http_429:0.1, order:lost_response:1x,*:latency:1:delay=0.2")
    assert [(r.route, r.kind, r.probability, r.count) for r in rules] == [
        ("klines", "http_429", 0.1, None),
        ("order", "lost_response", 1.0, 1),
        (None, "latency", 1.0, None),
    ]
    assert rules[2].delay_s == 0.2


def test_parse_options() -> None:
    (rule,) = parse_faults("ticker:http_418:3x:retry=9:symbol=ETH/USDT")
    assert (rule.count, rule.retry_after_s, rule.symbol) == (3, 9.0, "ETH/USDT")


@pytest.mark.parametrize(
    "text",
    [
        "klines",
        "klines:bogus",
        "klines:http_429:2.0",
        "klines:http_429:0x",
        "a:timeout:1:color=red",
        "a:timeout:abc",
        "a:latency:1:delay=-1",
    ],
)
def test_parse_rejects_bad_specs(text: str) -> None:
    with pytest.raises(ValueError, match=r"fault spec|unknown fault kind"):
        parse_faults(text)


@given(
    kind=st.sampled_from(FAULT_KINDS),
    route=st.sampled_from(["klines", "order", "ticker", "*"]),
    probability=st.floats(0, 1),
    count=st.integers(1, 50) | st.none(),
)
def test_parse_round_trips(kind: str, route: str, probability: float, count: int | None) -> None:
    amount = f"{count}x" if count is not None else repr(probability)
    (rule,) = parse_faults(f"{route}:{kind}:{amount}")
    assert rule.kind == kind
    assert rule.route == (None if route == "*" else route)
    if count is None:
        assert rule.probability == probability
    else:
        assert rule.count == count


def test_counted_rule_is_spent() -> None:
    book = FaultBook()
    rule = book.add(FaultSpec(kind="http_5xx", route="klines", count=2))
    kinds = frozenset({"http_5xx"})
    assert book.draw("klines", None, kinds) is rule
    assert book.draw("ticker", None, kinds) is None
    assert book.draw("klines", None, kinds) is rule
    assert book.draw("klines", None, kinds) is None
    assert rule.spent


def test_symbol_scope_and_kind_filter() -> None:
    book = FaultBook()
    book.add(FaultSpec(kind="timeout", symbol="ETH/USDT"))
    assert book.draw("klines", "BTC/USDT", frozenset({"timeout"})) is None
    assert book.draw("klines", "ETH/USDT", frozenset({"latency"})) is None
    assert book.draw("klines", "ETH/USDT", frozenset({"timeout"})) is not None


def test_probability_draws_repeat_with_the_seed() -> None:
    def run(seed: int) -> list[bool]:
        book = FaultBook(seed)
        book.add(FaultSpec(kind="http_429", probability=0.25))
        return [book.draw("x", None, frozenset({"http_429"})) is not None for _ in range(400)]

    first = run(11)
    assert first == run(11)
    assert first != run(12)
    assert 60 <= sum(first) <= 140


def test_clock_skew_offset_and_clear() -> None:
    book = FaultBook()
    book.add(FaultSpec(kind="clock_skew", delay_s=2.5))
    assert book.skew_ms("time", None) == 2500
    book.clear()
    assert book.skew_ms("time", None) == 0
    assert book.rules == []


def test_spec_validation() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        FaultSpec(kind="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="probability"):
        FaultSpec(kind="timeout", probability=1.5)
    with pytest.raises(ValueError, match="count"):
        FaultSpec(kind="timeout", count=0)
