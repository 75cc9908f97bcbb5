"""Build the settings root from its sources and explain a bad source precisely.

Precedence, lowest first: defaults, the YAML file, the ``.env`` file, environment variables.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_settings import DotEnvSettingsSource, EnvSettingsSource, SettingsConfigDict

from simbiot.config.settings import Settings
from simbiot.domain.errors import ConfigError

__all__ = ["DEFAULT_CONFIG_PATH", "describe_validation_error", "load_settings", "read_yaml"]

DEFAULT_CONFIG_PATH = Path("config/simbiot.yaml")
CONFIG_ENV_VAR = "SIMBIOT_CONFIG"


def describe_validation_error(exc: ValidationError, source: str) -> str:
    """Render ``exc`` as one line per bad field: source, dotted field path, reason."""
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "<root>"
        reason = err["msg"]
        if err["type"] == "extra_forbidden":
            reason = "unknown key"
        lines.append(f"{source}: {field}: {reason}")
    return "\n".join(lines)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping from ``path``; raise ConfigError naming the file on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, not {type(data).__name__}")
    return data


def _merge_env_sources(env_file: Path | None) -> dict[str, Any]:
    """Return the values from .env and the environment, the environment winning."""

    class _EnvOnly(Settings):
        model_config = SettingsConfigDict(env_file=env_file)

    env = EnvSettingsSource(_EnvOnly)()
    dotenv = DotEnvSettingsSource(_EnvOnly, env_file=env_file)() if env_file else {}
    return _deep_merge(dotenv, env)


def _deep_merge(low: dict[str, Any], high: dict[str, Any]) -> dict[str, Any]:
    out = dict(low)
    for key, value in high.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(
    config_file: Path | None = None,
    env_file: Path | None = Path(".env"),
    **overrides: Any,
) -> Settings:
    """Build the settings: defaults < YAML < .env < environment < ``overrides``.

    ``config_file`` defaults to ``$SIMBIOT_CONFIG`` or ``config/simbiot.yaml`` when present.
    Raise :class:`ConfigError` naming the source, the field and the reason.
    """
    if config_file is None:
        env_path = os.environ.get(CONFIG_ENV_VAR)
        if env_path:
            config_file = Path(env_path)
        elif DEFAULT_CONFIG_PATH.is_file():
            config_file = DEFAULT_CONFIG_PATH
    yaml_values: dict[str, Any] = read_yaml(config_file) if config_file is not None else {}
    if yaml_values:
        try:
            Settings.model_validate(yaml_values)
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc, str(config_file))) from exc
    if env_file is not None and not env_file.is_file():
        env_file = None
    try:
        env_values = _merge_env_sources(env_file)
    except (ValueError, ValidationError) as exc:
        raise ConfigError(f"environment or {env_file or '.env'}: {exc}") from exc
    merged = _deep_merge(_deep_merge(yaml_values, env_values), overrides)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        source = "environment" + (f" or {env_file}" if env_file else "")
        raise ConfigError(describe_validation_error(exc, source)) from exc
