from __future__ import annotations

from pathlib import Path

import pytest

from simbiot.domain.errors import ConfigError
from simbiot.signals.model import StrategyConfig
from simbiot.signals.registry import StrategyRegistry
from simbiot.signals.rules import RuleFileError

SHIPPED = Path(__file__).resolve().parents[3] / "config" / "strategies"


def test_builtins_are_registered() -> None:
    names = [s.name for s in StrategyRegistry.with_builtins()]
    assert names == ["donchian_breakout", "mean_reversion", "trend_ema_adx", "volatility_squeeze"]


def test_shipped_rule_files_are_valid() -> None:
    registry = StrategyRegistry.from_directory(SHIPPED, strict=True)
    assert {"rsi_dip", "momentum_leaders", "atr_pullback"} <= {s.name for s in registry}


def test_a_broken_file_is_skipped_unless_strict(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("name: good\nentry: {gt: [close, 1]}\n")
    (tmp_path / "bad.yaml").write_text("name: bad\nentry: {gt: [clos, 1]}\n")
    registry = StrategyRegistry.from_directory(tmp_path)
    assert "good" in registry
    assert "bad" not in registry
    with pytest.raises(RuleFileError, match=r"bad.yaml:2: unknown indicator"):
        StrategyRegistry.from_directory(tmp_path, strict=True)


def test_duplicate_names_and_missing_directory(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: same\nentry: {gt: [close, 1]}\n")
    (tmp_path / "b.yaml").write_text("name: same\nentry: {gt: [close, 2]}\n")
    registry = StrategyRegistry.with_builtins()
    issues = registry.load_directory(tmp_path)
    assert len(issues) == 1
    assert "already registered" in issues[0].message
    assert registry.load_directory(tmp_path / "nope")[0].message == "rule directory not found"
    assert registry.load_directory(None) == []


def test_resolve_fills_defaults_and_checks_values() -> None:
    registry = StrategyRegistry.with_builtins()
    strategy, params = registry.resolve(StrategyConfig("trend_ema_adx", {"fast": 8}))
    assert strategy.name == "trend_ema_adx"
    assert params == {"fast": 8, "slow": 26, "adx_len": 14, "adx_min": 20.0}
    with pytest.raises(ConfigError, match="unknown strategy 'nope'"):
        registry.resolve(StrategyConfig("nope"))
    with pytest.raises(ConfigError, match="outside the range"):
        registry.resolve(StrategyConfig("trend_ema_adx", {"fast": 500}))
    with pytest.raises(ConfigError, match="must be below slow"):
        registry.resolve(StrategyConfig("trend_ema_adx", {"fast": 40, "slow": 30}))


def test_default_config_is_complete_and_stable() -> None:
    registry = StrategyRegistry.with_builtins()
    a = registry.default_config("mean_reversion")
    b = registry.default_config("mean_reversion", bb_k=2.0)
    assert a.config_id == b.config_id
    assert registry.default_config("mean_reversion", bb_k=2.5).config_id != a.config_id
