"""Effective per-user settings: deployment defaults with the user's checked overrides."""

from __future__ import annotations

from typing import Any

import pytest

from simbiot.api.schemas.common import RequestModel
from simbiot.config.sections import RiskSettings, SignalsSettings
from simbiot.services.user_settings import (
    MAX_SAFE_INT,
    NOTIFICATION_DEFAULTS,
    USER_RISK_FIELDS,
    USER_SIGNAL_FIELDS,
    SettingsInvalid,
    effective_risk,
    effective_settings,
    effective_signals,
    effective_strategy,
    field_description,
    merge_patch,
    optional_fields_model,
    symbol_lists,
    validate_document,
)
from simbiot.signals import StrategyRegistry

BASE = RiskSettings(stop_atr=2.0, max_open_positions=4)
REGISTRY = StrategyRegistry.with_builtins()


def test_no_overrides_is_the_base() -> None:
    assert effective_risk({}, BASE) == BASE
    assert effective_signals({"signals": None}, SignalsSettings()) == SignalsSettings()
    assert effective_strategy({}, REGISTRY) is None


def test_overrides_lie_over_the_base_and_maps_merge() -> None:
    doc = {"risk": {"stop_atr": 3.0, "regime_scale": {"bull": 0.5}, "take_profit_r": None}}
    risk = effective_risk(doc, BASE)
    assert risk.stop_atr == 3.0
    assert risk.max_open_positions == 4  # the deployment's value, not the code default
    assert risk.take_profit_r == BASE.take_profit_r  # null: not overridden
    assert risk.regime_scale == {**BASE.regime_scale, "bull": 0.5}
    assert (
        effective_signals({"signals": {"losing_streak": 7}}, SignalsSettings()).losing_streak == 7
    )


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"risk": {"stop_atr": -1}}, ["risk", "stop_atr"]),
        ({"risk": {"stop_atr": float("nan")}}, ["risk", "stop_atr"]),
        ({"risk": {"partial_levels": [[2, 0.6], [3, 0.6]]}}, ["risk"]),
        ({"risk": {"fee_rate": 0.0}}, ["risk", "fee_rate"]),
        ({"risk": "everything"}, ["risk"]),
        ({"signals": {"rules_dir": "/tmp"}}, ["signals", "rules_dir"]),
        ({"signals": {"scorer_threshold": 2}}, ["signals", "scorer_threshold"]),
    ],
)
def test_values_the_engine_refuses_are_invalid(doc: dict[str, Any], where: list[str]) -> None:
    with pytest.raises(SettingsInvalid) as info:
        effective_risk(doc, BASE) if "risk" in doc else effective_signals(doc, SignalsSettings())
    assert info.value.errors[0]["loc"][: len(where)] == where


def test_the_strategy_is_resolved_with_every_parameter() -> None:
    name, params = effective_strategy(
        {"strategy": {"name": "trend_ema_adx", "params": {"fast": 5}}}, REGISTRY
    ) or ("", {})
    assert name == "trend_ema_adx"
    assert params == {"fast": 5, "slow": 26, "adx_len": 14, "adx_min": 20.0}


@pytest.mark.parametrize(
    "choice",
    [
        {"name": "nope"},
        {"name": "trend_ema_adx", "params": {"fast": 1000}},
        {"name": "trend_ema_adx", "params": {"fast": 30, "slow": 20}},
        {"name": "trend_ema_adx", "params": {"unknown": 1}},
        {"params": {}},
        "trend_ema_adx",
    ],
)
def test_bad_strategy_choices_are_invalid(choice: Any) -> None:
    with pytest.raises(SettingsInvalid):
        effective_strategy({"strategy": choice}, REGISTRY)


def test_validate_document_reports_every_problem_at_once() -> None:
    doc = {
        "risk": {"stop_atr": -1, "max_hold_s": MAX_SAFE_INT + 1},
        "signals": {"losing_streak": 0},
        "strategy": {"name": "nope"},
        "symbols": {"allow": ["BTC/USDT"], "deny": ["BTC/USDT"]},
    }
    with pytest.raises(SettingsInvalid) as info:
        validate_document(doc, risk=BASE, signals=SignalsSettings(), registry=REGISTRY)
    locs = {tuple(e["loc"][:2]) for e in info.value.errors}
    assert locs >= {
        ("risk", "stop_atr"),
        ("risk", "max_hold_s"),
        ("signals", "losing_streak"),
        ("strategy", "name"),
        ("symbols",),
    }
    validate_document({}, risk=BASE, signals=SignalsSettings(), registry=REGISTRY)


def test_symbol_lists() -> None:
    lists = symbol_lists({"symbols": {"allow": ["BTC/USDT", "ETH/USDT"], "deny": ["ETH/USDT"]}})
    assert lists.permits("BTC/USDT")
    assert not lists.permits("ETH/USDT")  # deny wins
    assert not lists.permits("SOL/USDT")  # not on the allow list
    everything = symbol_lists({"symbols": {"deny": ["DOGE/USDT"]}})
    assert everything.permits("SOL/USDT")
    assert not everything.permits("DOGE/USDT")


def test_merge_patch_follows_rfc_7386_with_an_atomic_strategy() -> None:
    doc = {
        "risk": {"stop_atr": 3, "regime_scale": {"bull": 0.5}},
        "strategy": {"name": "a", "params": {"x": 1}},
        "symbols": {"allow": ["BTC/USDT"]},
    }
    patch = {
        "risk": {"stop_atr": None, "regime_scale": {"bear": 0.2}},
        "strategy": {"name": "b"},
        "symbols": {"allow": ["ETH/USDT"]},
        "notifications": {"trades": False},
    }
    assert merge_patch(doc, patch) == {
        "risk": {"regime_scale": {"bull": 0.5, "bear": 0.2}},
        "strategy": {"name": "b"},
        "symbols": {"allow": ["ETH/USDT"]},
        "notifications": {"trades": False},
    }
    assert merge_patch(doc, {"risk": None}) == {k: v for k, v in doc.items() if k != "risk"}
    assert doc["risk"] == {"stop_atr": 3, "regime_scale": {"bull": 0.5}}  # not mutated


def test_the_override_models_keep_the_engines_bounds_and_docs() -> None:
    model = optional_fields_model("R", RiskSettings, USER_RISK_FIELDS, RequestModel)
    assert set(model.model_fields) == set(USER_RISK_FIELDS)
    assert model().model_dump(exclude_none=True) == {}
    with pytest.raises(ValueError, match="greater than 0"):
        model.model_validate({"stop_atr": 0})
    with pytest.raises(ValueError, match="finite"):
        model.model_validate({"stop_atr": float("inf")})
    with pytest.raises(ValueError, match="Extra inputs"):
        model.model_validate({"fee_rate": 0.1})
    # A field grouped under another's comment shares its description.
    assert field_description(RiskSettings, "take_profit_r") == field_description(
        RiskSettings, "stop_atr"
    )
    assert all(field_description(SignalsSettings, f) for f in USER_SIGNAL_FIELDS)
    assert all(model.model_fields[f].description for f in USER_RISK_FIELDS)


def test_effective_settings_fall_back_part_by_part() -> None:
    doc = {
        "strategy": {"name": "retired"},
        "risk": {"stop_atr": 4.0},
        "signals": {"losing_streak": 0},
        "notifications": {"trades": False},
    }
    eff = effective_settings(doc, risk=BASE, signals=SignalsSettings(), registry=REGISTRY)
    assert eff.strategy is None
    assert eff.risk.stop_atr == 4.0  # the valid part still applies
    assert eff.signals == SignalsSettings()
    assert len(eff.problems) == 2
    assert dict(eff.notifications) == {**NOTIFICATION_DEFAULTS, "trades": False}
    clean = effective_settings({}, risk=BASE, signals=SignalsSettings(), registry=REGISTRY)
    assert clean.problems == ()
    assert clean.risk == BASE
