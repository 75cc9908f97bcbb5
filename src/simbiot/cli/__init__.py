"""The ``simbiot`` command line (typer + rich)."""

from simbiot.cli.app import build_app, main

__all__ = ["build_app", "main"]
