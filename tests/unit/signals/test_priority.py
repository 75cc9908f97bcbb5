from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.signals.model import Side, Signal
from simbiot.signals.priority import rank, select


def _s(symbol: str, strength: float, ev: float | None = None, xs: float | None = None,
       cid: str = "c", side: Side = Side.ENTRY_LONG) -> Signal:  # fmt: skip
    return Signal(cid, symbol, side, strength, "", 0, ev, xs)


def test_rank_orders_by_strength_then_ev_then_xray_then_names() -> None:
    sigs = [
        _s("A", 0.5, 0.01, 50),
        _s("B", 0.9),
        _s("C", 0.5, 0.02, 10),
        _s("D", 0.5, 0.02, 90),
        _s("E", 0.5, None, 99),
        _s("F", 0.5, 0.02, 90, cid="a"),
    ]
    assert [(s.symbol, s.config_id) for s in rank(sigs)] == [
        ("B", "c"), ("D", "c"), ("F", "a"), ("C", "c"), ("A", "c"), ("E", "c"),
    ]  # fmt: skip


signal_lists = st.lists(
    st.builds(
        _s,
        st.sampled_from(["A", "B", "C", "D", "E"]),
        st.sampled_from([0.0, 0.5, 1.0]),
        st.one_of(st.none(), st.sampled_from([-0.01, 0.0, 0.02])),
        st.one_of(st.none(), st.sampled_from([10.0, 50.0])),
        st.sampled_from(["c1", "c2"]),
        st.sampled_from([Side.ENTRY_LONG, Side.EXIT_LONG]),
    ),
    max_size=20,
)


@settings(deadline=None)
@given(signal_lists, st.randoms(), st.integers(0, 6))
def test_selection_does_not_depend_on_input_order(
    sigs: list[Signal], rnd: random.Random, slots: int
) -> None:
    shuffled = list(sigs)
    rnd.shuffle(shuffled)
    a = select(sigs, slots, Decimal(1000), Decimal(100))
    b = select(shuffled, slots, Decimal(1000), Decimal(100))
    assert a.entries == b.entries
    assert a.exits == b.exits
    assert len({x.signal.symbol for x in a.entries}) == len(a.entries) <= slots


def test_slots_limit_the_choice_and_skips_say_why() -> None:
    sigs = [
        _s("A", 0.9),
        _s("B", 0.8),
        _s("C", 0.7),
        _s("A", 0.6, cid="d"),
        _s("X", 1.0, side=Side.EXIT_LONG),
    ]
    sel = select(sigs, 2, Decimal(1000), Decimal(10), held={"C"})
    assert [a.signal.symbol for a in sel.entries] == ["A", "B"]
    assert all(a.amount == Decimal(500) for a in sel.entries)
    assert [s.symbol for s in sel.exits] == ["X"]
    reasons = {(s.symbol, s.config_id): why for s, why in sel.skipped}
    assert reasons == {("C", "c"): "already held", ("A", "d"): "same symbol ranked higher"}


def test_capital_limits_the_choice_to_funded_orders() -> None:
    sigs = [_s("A", 0.9), _s("B", 0.8), _s("C", 0.7)]
    sel = select(sigs, 5, Decimal("250"), Decimal("100"))
    assert [a.signal.symbol for a in sel.entries] == ["A", "B"]
    assert all(a.amount == Decimal("125") and a.amount >= Decimal(100) for a in sel.entries)
    assert sel.skipped[0][1] == "not enough capital"
    none = select(sigs, 5, Decimal("50"), Decimal("100"))
    assert none.entries == ()
    assert len(none.skipped) == 3


def test_amounts_round_down() -> None:
    sel = select([_s("A", 1), _s("B", 1), _s("C", 1)], 3, Decimal(100), Decimal(0))
    assert sel.entries[0].amount == Decimal("33.33333333")


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="free_slots"):
        select([], -1, Decimal(1), Decimal(1))
    with pytest.raises(ValueError, match="capital"):
        select([], 1, Decimal(-1), Decimal(1))
