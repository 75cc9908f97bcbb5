"""A plan applied to a user's running bots: strategies, live trading, number, slots."""

from __future__ import annotations

from simbiot.billing.entitlements import PlanGrant
from simbiot.config.sections import EntitlementSettings
from simbiot.services.entitlements import BotClaim, admit, position_slots


def _grant(**values: object) -> PlanGrant:
    return PlanGrant("test", EntitlementSettings.model_validate(values), None, None)


def test_the_first_bots_by_id_are_admitted_up_to_max_bots() -> None:
    grant = _grant(max_bots=2)
    claims = [BotClaim(b, 1, "trend_ema_adx", True) for b in (9, 3, 5)]
    refused = admit(grant, claims)
    assert set(refused) == {9}
    assert "allows 2 bots" in refused[9].reason


def test_refused_strategies_and_live_bots_do_not_use_up_the_allowance() -> None:
    grant = _grant(max_bots=1, strategies=("mean_reversion",), live_trading=False)
    claims = [
        BotClaim(1, 7, "trend_ema_adx", True),
        BotClaim(2, 7, "mean_reversion", False),
        BotClaim(3, 7, "mean_reversion", True),
        BotClaim(4, 7, "mean_reversion", True),
    ]
    refused = admit(grant, claims)
    assert refused[1].reason == "strategy not in plan test"
    assert refused[2].reason == "no live trading in plan test"
    assert 3 not in refused
    assert "allows 1 bots" in refused[4].reason


def test_a_plan_without_bots_refuses_every_bot() -> None:
    assert set(admit(_grant(max_bots=0), [BotClaim(1, 1, "x", True)])) == {1}


def test_wildcard_plans_allow_every_strategy_and_live_when_granted() -> None:
    grant = _grant(max_bots=3, live_trading=True)
    claims = [BotClaim(1, 1, "anything", False), BotClaim(2, 1, "other", True)]
    assert admit(grant, claims) == {}


def test_position_slots_are_capped_by_max_symbols() -> None:
    assert position_slots(_grant(max_symbols=3), 5) == 3
    assert position_slots(_grant(max_symbols=10), 5) == 5
    assert position_slots(_grant(max_symbols=0), 5) == 0
