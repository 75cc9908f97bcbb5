"""``simbiot config``: inspect the effective configuration."""

from __future__ import annotations

import json
from typing import Any

import typer
from pydantic import SecretStr

from simbiot.cli.context import cli_context
from simbiot.config.template import render_template

__all__ = ["register"]

MASK = "**********"


def _masked(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def register(app: typer.Typer) -> None:
    """Add the ``config`` group to ``app``."""
    group = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)

    @group.command("show")
    def show(ctx: typer.Context) -> None:
        """Print the effective configuration as JSON, secrets masked."""
        settings = cli_context(ctx).settings()
        raw = _masked(dict(settings.model_dump(mode="python")))
        # model_dump(mode="python") keeps SecretStr objects, so masking happens before JSON.
        typer.echo(json.dumps(raw, indent=2, default=str, sort_keys=True))

    @group.command("template")
    def template() -> None:
        """Print the documented YAML configuration with every default (config/simbiot.yaml)."""
        typer.echo(render_template(), nl=False)

    app.add_typer(group, name="config")
