"""Typed configuration: one settings root built from defaults, YAML, .env and environment."""

from simbiot.config.loader import load_settings
from simbiot.config.settings import Settings

__all__ = ["Settings", "load_settings"]
