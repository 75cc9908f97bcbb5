"""A bot's trading settings and strategy read from its rows, bad values defaulted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simbiot.domain.errors import ConfigError
from simbiot.services.running_bots import (
    DEFAULT_CAPITAL,
    DEFAULT_SLOTS,
    bot_capital,
    bot_slots,
    strategy_config,
)
from simbiot.signals import StrategyRegistry


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"capital": "2500.5"}, Decimal("2500.5")),
        ({"capital": 300}, Decimal(300)),
        ({}, DEFAULT_CAPITAL),
        ({"capital": "NaN"}, DEFAULT_CAPITAL),
        ({"capital": "Infinity"}, DEFAULT_CAPITAL),
        ({"capital": "-5"}, DEFAULT_CAPITAL),
        ({"capital": "lots"}, DEFAULT_CAPITAL),
        ({"capital": True}, DEFAULT_CAPITAL),
    ],
)
def test_capital(params: dict[str, object], expected: Decimal) -> None:
    assert bot_capital(params) == expected


def test_capital_default_is_the_callers() -> None:
    assert bot_capital({}, Decimal(42)) == Decimal(42)


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"max_slots": 3}, 3), ({}, DEFAULT_SLOTS), ({"max_slots": 0}, DEFAULT_SLOTS),
     ({"max_slots": True}, DEFAULT_SLOTS), ({"max_slots": "4"}, DEFAULT_SLOTS)],
)  # fmt: skip
def test_slots(params: dict[str, object], expected: int) -> None:
    assert bot_slots(params) == expected


def test_strategy_definitions_are_checked_by_the_registry() -> None:
    registry = StrategyRegistry.with_builtins()
    config = strategy_config(registry, {"strategy": "mean_reversion", "params": {"bb_k": 1.5}})
    assert config.strategy == "mean_reversion"
    assert config.params["bb_k"] == 1.5
    assert config.params["rsi_len"] == 14
    with pytest.raises(ConfigError):
        strategy_config(registry, {"strategy": "nope", "params": {}})
    with pytest.raises(ConfigError):
        strategy_config(registry, {"strategy": "mean_reversion", "params": {"bb_k": 99}})
    with pytest.raises(ConfigError):
        strategy_config(registry, {"params": {}})
    with pytest.raises(ConfigError):
        strategy_config(registry, {"strategy": "mean_reversion", "params": [1]})
