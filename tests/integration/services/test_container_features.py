"""The X-ray computes analysis features whenever a registered strategy reads them, so a
rule such as ``relative_strength`` never meets a missing feature."""

from __future__ import annotations

from pathlib import Path

from simbiot.analysis.xray.synthetic import random_market
from simbiot.config import Settings, load_settings
from simbiot.services.container import Container
from simbiot.signals import SignalInputs, Subscription

RULES = Path(__file__).resolve().parents[3] / "config" / "strategies"


def _settings(tmp_path: Path, rules: Path | None) -> Settings:
    return load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        signals={"rules_dir": str(rules) if rules else None},
        learning={"models_in_pipeline": False},
    )


async def test_a_rule_reading_features_gets_them(tmp_path: Path) -> None:
    assert (RULES / "relative_strength.yaml").is_file()
    async with Container(_settings(tmp_path, RULES)) as c:
        result = c.xray_engine.analyse(random_market(40, 300, seed=3))
        assert result.features is not None
        assert "rel_strength_24" in result.features.names
        config = c.strategies.default_config("relative_strength")
        cycle = await c.signal_service.run_cycle(
            SignalInputs.from_xray(result), [Subscription(1, config)]
        )
        assert not cycle.errors


async def test_without_such_rules_the_x_ray_skips_features(tmp_path: Path) -> None:
    empty = tmp_path / "rules"
    empty.mkdir()
    async with Container(_settings(tmp_path, empty)) as c:
        result = c.xray_engine.analyse(random_market(40, 300, seed=3))
        assert result.features is None
