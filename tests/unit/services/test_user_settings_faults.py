"""Malformed stored settings: refused on write, and in force as the defaults on read."""

from __future__ import annotations

from typing import Any

import pytest

from simbiot.config.sections import RiskSettings, SignalsSettings
from simbiot.execution.accounts import EVERY_SYMBOL, SymbolLists, UserAccount
from simbiot.services.user_settings import (
    SettingsInvalid,
    effective_settings,
    effective_strategy,
    symbol_lists,
    validate_document,
)
from simbiot.signals import StrategyRegistry
from simbiot.signals.model import StrategyConfig, Subscription

RISK = RiskSettings()
SIGNALS = SignalsSettings()
REGISTRY = StrategyRegistry.with_builtins()


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"symbols": "BTC/USDT"}, ["symbols"]),
        ({"symbols": {"deny": "BTC/USDT"}}, ["symbols", "deny"]),
        ({"symbols": {"allow": ["BTC/USDT", 7]}}, ["symbols", "allow"]),
    ],
)
def test_malformed_symbol_lists_are_refused(doc: dict[str, Any], where: list[str]) -> None:
    with pytest.raises(SettingsInvalid) as caught:
        symbol_lists(doc)
    assert caught.value.errors[0]["loc"] == where
    with pytest.raises(SettingsInvalid) as whole:
        validate_document({**doc, "risk": {"stop_atr": -1}}, risk=RISK, signals=SIGNALS, registry=REGISTRY)  # fmt: skip
    locs = [e["loc"] for e in whole.value.errors]
    assert where in locs
    assert ["risk", "stop_atr"] in locs  # every problem is named, not only the first


def test_strategy_params_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(SettingsInvalid) as caught:
        effective_strategy({"strategy": {"name": "mean_reversion", "params": [1]}}, REGISTRY)
    assert caught.value.errors[0]["loc"] == ["strategy", "params"]


def test_every_refused_part_falls_back_alone() -> None:
    doc = {
        "risk": {"risk_per_trade": 5},
        "signals": {"losing_streak": 4},
        "strategy": {"name": "retired"},
        "symbols": {"deny": "BTC/USDT"},
    }
    effective = effective_settings(doc, risk=RISK, signals=SIGNALS, registry=REGISTRY)
    assert effective.risk == RISK
    assert effective.signals.losing_streak == 4  # the valid part still applies
    assert effective.strategy is None
    assert effective.symbols == EVERY_SYMBOL
    assert len(effective.problems) == 3
    assert any("risk_per_trade" in p for p in effective.problems)
    assert any("retired" in p for p in effective.problems)
    assert any("symbols" in p for p in effective.problems)


def test_symbol_lists_permit_entries() -> None:
    assert EVERY_SYMBOL.permits("ANY/USDT")
    lists = SymbolLists(frozenset({"BTC/USDT", "ETH/USDT"}), frozenset({"ETH/USDT"}))
    assert lists.permits("BTC/USDT")
    assert not lists.permits("ETH/USDT")  # deny wins
    assert not lists.permits("SOL/USDT")  # outside a non-empty allow list


def test_an_account_trades_with_its_own_risk_or_the_default() -> None:
    sub = Subscription(1, StrategyConfig("trend"))
    plain = UserAccount(1, 1, "mexc", "paper:1", sub)
    own = RiskSettings(max_open_positions=2)
    tuned = UserAccount(1, 1, "mexc", "paper:1", sub, risk=own)
    assert plain.risk_or(RISK) is RISK
    assert tuned.risk_or(RISK) is own
