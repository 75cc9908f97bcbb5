from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

import simbiot.config.sections as sections
from simbiot.config import Settings, load_settings
from simbiot.config.template import render_template, undocumented_fields

ROOT = Path(__file__).resolve().parents[3]


def _section_models() -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(sections).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__.startswith(sections.__name__ + ".")
    ]


def test_every_section_is_found() -> None:
    assert len(_section_models()) >= 25


@pytest.mark.parametrize("model", _section_models(), ids=lambda m: m.__name__)
def test_every_setting_is_documented_in_place(model: type[BaseModel]) -> None:
    assert undocumented_fields(model) == []


def test_shipped_yaml_is_the_rendered_template() -> None:
    shipped = (ROOT / "config" / "simbiot.yaml").read_text()
    assert shipped == render_template(), "regenerate: simbiot config template > config/simbiot.yaml"


def test_shipped_yaml_loads_to_the_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for key in list(__import__("os").environ):
        if key.startswith("SIMBIOT_"):
            monkeypatch.delenv(key)
    doc = yaml.safe_load((ROOT / "config" / "simbiot.yaml").read_text())
    assert Settings.model_validate(doc) == Settings()
    assert load_settings(ROOT / "config" / "simbiot.yaml") == Settings()


def test_template_renders_non_default_values() -> None:
    custom = Settings.model_validate({"cache": {"ttl": {"ohlcv": 42}}})
    doc = yaml.safe_load(render_template(custom))
    assert doc["cache"]["ttl"]["ohlcv"] == 42
    assert "# Candle windows" in render_template(custom)
