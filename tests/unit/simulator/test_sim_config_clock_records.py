"""Simulator config validation, the simulated clock and route weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from simbiot.config.sections import SimulatorSettings
from simbiot.exchange.simulator.clock import SimClock
from simbiot.exchange.simulator.config import SimulatorConfig
from simbiot.exchange.simulator.records import weight_of


@pytest.mark.parametrize(
    "bad",
    [
        {"symbols": 0},
        {"symbols": 5001},
        {"speed": 0},
        {"timeframe": "2m"},
        {"history_candles": 5},
        {"ip_weight_per_minute": 0},
        {"listing_share": 0.6},
    ],
)
def test_config_rejects(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        SimulatorConfig(**bad)  # type: ignore[arg-type]


def test_config_from_settings_with_overrides() -> None:
    settings = SimulatorSettings(
        symbols=42,
        seed=3,
        replay_dir=Path("/data"),
        speed=2.0,
        timeframe="5m",
        history_candles=300,
        ip_weight_per_minute=600,
    )
    cfg = SimulatorConfig.from_settings(settings, manual_clock=True, symbols=9)
    assert (cfg.symbols, cfg.seed, cfg.replay_dir, cfg.speed, cfg.manual_clock) == (
        9,
        3,
        Path("/data"),
        2.0,
        True,
    )
    assert (cfg.timeframe, cfg.timeframe_ms, cfg.history_candles, cfg.ip_weight_per_minute) == (
        "5m",
        300_000,
        300,
        600,
    )


def test_manual_clock_moves_only_when_advanced() -> None:
    clock = SimClock(1_000, speed=60.0, manual=True)
    assert clock.now_ms() == 1_000
    assert clock.advance(500) == 1_500
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_scaled_clock_runs_faster_than_the_wall() -> None:
    import time

    clock = SimClock(0, speed=1000.0, manual=False)
    time.sleep(0.05)
    assert clock.now_ms() >= 50_000
    assert not clock.manual


def test_weights() -> None:
    assert weight_of("ticker", has_symbol=True) == 1
    assert weight_of("ticker", has_symbol=False) == 40
    assert weight_of("exchangeInfo", has_symbol=False) == 10
    assert weight_of("account", has_symbol=False) == 10
    assert weight_of("unknown-route", has_symbol=False) == 1
