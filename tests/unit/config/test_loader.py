from __future__ import annotations

from pathlib import Path

import pytest

from simbiot.config import load_settings
from simbiot.domain.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for key in list(__import__("os").environ):
        if key.startswith("SIMBIOT_"):
            monkeypatch.delenv(key)


def test_defaults_are_the_embedded_stack() -> None:
    s = load_settings()
    assert s.cache.backend == "memory"
    assert s.bus.backend == "memory"
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert s.cache.ttl.ohlcv == 86_400
    assert s.cache.ttl.metadata == 7 * 86_400
    assert s.exchanges.default == "mexc"
    assert s.exchanges.venues["mexc"].max_connections == 10


def test_precedence_yaml_then_dotenv_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "a.yaml"
    cfg.write_text("cache:\n  ttl:\n    ohlcv: 100\n    balances: 5\n    tickers: 7\n")
    env = tmp_path / ".env"
    env.write_text("SIMBIOT_CACHE__TTL__OHLCV=200\nSIMBIOT_CACHE__TTL__BALANCES=6\n")
    monkeypatch.setenv("SIMBIOT_CACHE__TTL__OHLCV", "300")
    s = load_settings(cfg, env)
    assert s.cache.ttl.ohlcv == 300  # environment wins
    assert s.cache.ttl.balances == 6  # .env beats YAML
    assert s.cache.ttl.tickers == 7  # YAML beats default
    assert s.cache.ttl.metadata == 604_800  # default


def test_wrong_type_names_file_field_and_reason(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("cache:\n  ttl:\n    ohlcv: soon\n")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    text = str(info.value)
    assert "bad.yaml" in text
    assert "cache.ttl.ohlcv" in text
    assert "integer" in text


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("cache:\n  tll: {}\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: cache.tll: unknown key"):
        load_settings(cfg)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("cache:\n  ttl: [1,\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line \d+"):
        load_settings(cfg)


def test_top_level_must_be_mapping(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_settings(cfg)


def test_bad_environment_value_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMBIOT_CACHE__MAX_CONNECTIONS", "-3")
    with pytest.raises(ConfigError, match=r"environment: cache.max_connections"):
        load_settings()


def test_secrets_are_masked_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMBIOT_SECURITY__JWT_SECRET", "top-secret-value")
    s = load_settings()
    assert s.security.jwt_secret is not None
    assert s.security.jwt_secret.get_secret_value() == "top-secret-value"
    assert "top-secret-value" not in repr(s)
    assert "top-secret-value" not in str(s.model_dump())


def test_active_key_must_exist(tmp_path: Path) -> None:
    cfg = tmp_path / "a.yaml"
    cfg.write_text("security:\n  active_key_id: k9\n")
    with pytest.raises(ConfigError, match="active_key_id"):
        load_settings(cfg)
