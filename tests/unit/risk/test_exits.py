"""Exits: ATR levels, stop before target, time exits, partial closes, trailing stop."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simbiot.config.sections import RiskSettings
from simbiot.risk.exits import (
    Bar,
    ExitKind,
    PositionView,
    evaluate,
    initial_levels,
    partials_done,
)

D = Decimal
RISK = RiskSettings(stop_atr=2, take_profit_r=3, trail_atr=3, trail_activation_r=1, max_hold_s=3600)


def position(**over: object) -> PositionView:
    base = PositionView(
        entry_price=D(100),
        amount=D(10),
        initial_amount=D(10),
        risk_per_unit=D(4),
        opened_at_ms=0,
        stop_price=D(96),
        take_profit=D(112),
        trail_pct=D("0.06"),
        best_price=D(100),
    )
    return replace(base, **over)  # type: ignore[arg-type]


def bar(high: str, low: str, close: str | None = None, ts: int = 60_000) -> Bar:
    return Bar(ts, D(high), D(low), D(close or low))


def test_initial_levels_from_atr_and_regime() -> None:
    levels = initial_levels(D(100), 2.0, "bull", RISK)
    assert (levels.stop_price, levels.take_profit, levels.risk_per_unit) == (D(96), D(112), D(4))
    assert levels.trail_pct == D("0.06")
    wide = initial_levels(D(100), 2.0, "high_volatility", RISK)
    assert wide.stop_price < levels.stop_price
    huge = initial_levels(D(100), 500.0, "bull", RISK)
    assert huge.stop_price > 0
    assert huge.trail_pct == D("0.5")
    with pytest.raises(ValueError):
        initial_levels(D(100), 0.0, "bull", RISK)


def test_nothing_happens_in_a_quiet_bar() -> None:
    plan = evaluate(position(), bar("101", "99"), RISK)
    assert plan.decisions == ()
    assert plan.stop_price == D(96)
    assert plan.best_price == D(101)
    assert not plan.closes


def test_stop_loss_and_gap_through_stop() -> None:
    plan = evaluate(position(), bar("100", "95"), RISK)
    assert [(d.kind, d.fraction, d.price) for d in plan.decisions] == [
        (ExitKind.STOP_LOSS, D(1), D(96))
    ]
    gap = evaluate(position(), bar("90", "88"), RISK)
    assert gap.decisions[0].price == D(90)
    assert gap.closes


def test_stop_checked_before_target_in_one_bar() -> None:
    plan = evaluate(position(), bar("113", "95"), RISK)
    assert plan.decisions[0].kind is ExitKind.STOP_LOSS


def test_take_profit() -> None:
    plan = evaluate(position(stop_price=D(108)), bar("113", "109"), RISK)
    assert plan.decisions[0].kind is ExitKind.TAKE_PROFIT
    assert plan.decisions[0].price == D(112)


def test_time_exit() -> None:
    plan = evaluate(position(), bar("101", "99", "100.5", ts=3_600_000), RISK)
    assert [(d.kind, d.price) for d in plan.decisions] == [(ExitKind.TIME, D("100.5"))]


def test_partial_close_at_one_and_a_half_r_then_breakeven() -> None:
    plan = evaluate(position(), bar("106", "101"), RISK)  # 1.5 R = 106
    assert [(d.kind, d.fraction, d.price) for d in plan.decisions] == [
        (ExitKind.PARTIAL, D("0.5"), D(106))
    ]
    after = position(amount=D(5), stop_price=plan.stop_price, best_price=plan.best_price)
    assert partials_done(after, RISK) == 1
    again = evaluate(after, bar("107", "104"), RISK)
    assert again.decisions == ()
    assert again.stop_price is not None
    assert again.stop_price >= D(100)


def test_several_partials_reached_at_once() -> None:
    settings = RiskSettings(partial_levels=((1.0, 0.3), (2.0, 0.3)), take_profit_r=10)
    pos = position(take_profit=None)
    plan = evaluate(pos, bar("109", "101"), settings)
    assert plan.decisions[0].fraction == D("0.6")
    one_done = position(amount=D(7), take_profit=None)
    assert partials_done(one_done, settings) == 1
    plan = evaluate(one_done, bar("109", "101"), settings)
    assert plan.decisions[0].fraction == D("0.3") * 10 / 7


def test_trailing_stop_follows_best_price_and_fires() -> None:
    plan = evaluate(position(), bar("110", "104"), RISK)
    assert plan.stop_price == D(110) * D("0.94")
    trailed = position(amount=D(5), stop_price=plan.stop_price, best_price=plan.best_price)
    fired = evaluate(trailed, bar("104", "103"), RISK)
    assert fired.decisions[0].kind is ExitKind.TRAILING_STOP
    # Below the activation level the trail does not move the stop.
    calm = evaluate(position(), bar("103", "100"), RISK)
    assert calm.stop_price == D(96)


@given(
    high=st.decimals(min_value="50", max_value="200", places=2),
    drop=st.decimals(min_value="0", max_value="40", places=2),
    stop=st.decimals(min_value="60", max_value="99", places=2),
)
def test_property_stop_never_moves_down(high: Decimal, drop: Decimal, stop: Decimal) -> None:
    low = max(high - drop, D("0.01"))
    plan = evaluate(position(stop_price=stop), Bar(60_000, high, low, low), RISK)
    assert plan.stop_price is not None
    assert plan.stop_price >= stop
    assert plan.best_price >= D(100)
    for d in plan.decisions:
        assert D(0) < d.fraction <= 1
