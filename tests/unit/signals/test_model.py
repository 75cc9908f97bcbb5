from __future__ import annotations

import pytest

from simbiot.signals.model import Side, Signal, StrategyConfig, Subscription


def test_config_id_is_stable_and_ignores_key_order() -> None:
    a = StrategyConfig("trend_ema_adx", {"fast": 10, "slow": 30})
    b = StrategyConfig("trend_ema_adx", {"slow": 30, "fast": 10})
    assert a.config_id == b.config_id
    assert a == b
    assert hash(a) == hash(b)
    assert len(a.config_id) == 20


def test_config_id_changes_with_params_and_strategy() -> None:
    base = StrategyConfig("trend_ema_adx", {"fast": 10})
    assert base.config_id != StrategyConfig("trend_ema_adx", {"fast": 11}).config_id
    assert base.config_id != StrategyConfig("mean_reversion", {"fast": 10}).config_id


def test_subscription_overrides_do_not_change_config_id() -> None:
    cfg = StrategyConfig("x", {"a": 1})
    assert (
        Subscription(1, cfg, max_slots=1).config_id == Subscription(2, cfg, max_slots=9).config_id
    )


def test_signal_json_round_trip() -> None:
    s = Signal("c1", "BTC/USDT", Side.ENTRY_LONG, 0.7, "why", 123, 0.01, 88.0)
    assert Signal.from_json(s.to_json()) == s


@pytest.mark.parametrize("strength", [-0.1, 1.01, float("nan")])
def test_signal_rejects_strength_outside_unit_interval(strength: float) -> None:
    with pytest.raises(ValueError, match="strength"):
        Signal("c", "S", Side.ENTRY_LONG, strength, "", 0)


def test_signal_rejects_non_finite_expected_value() -> None:
    with pytest.raises(ValueError, match="expected_value"):
        Signal("c", "S", Side.ENTRY_LONG, 0.5, "", 0, expected_value=float("inf"))


def test_malformed_signal_document_raises_value_error() -> None:
    with pytest.raises(ValueError, match="malformed"):
        Signal.from_json({"symbol": "X"})
    with pytest.raises(ValueError):
        Signal.from_json(
            {**Signal("c", "S", Side.EXIT_LONG, 1, "", 0).to_json(), "side": "sideways"}
        )


def test_side_entry_flag() -> None:
    assert Side.ENTRY_LONG.is_entry
    assert Side.ENTRY_SHORT.is_entry
    assert not Side.EXIT_LONG.is_entry
