"""The background services the API process runs: each factory returns one (or None)."""

from __future__ import annotations

from simbiot.api.state import BackgroundFactory

__all__ = ["BACKGROUND"]

BACKGROUND: tuple[BackgroundFactory, ...] = ()
