"""Build the root ``simbiot`` command and register every command group."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from simbiot import __version__
from simbiot.cli import (
    backtest_cmd,
    config_cmd,
    data_cmd,
    db_cmd,
    demo_cmd,
    run_cmd,
    serve_cmd,
    signals_cmd,
    sim_cmd,
    strategies_cmd,
    users_cmd,
    xray_cmd,
)
from simbiot.cli.context import CliContext
from simbiot.learning import cli as learning_cli

__all__ = ["build_app", "main"]

_GROUPS = (
    config_cmd,
    db_cmd,
    data_cmd,
    sim_cmd,
    xray_cmd,
    strategies_cmd,
    signals_cmd,
    backtest_cmd,
    learning_cli,
    run_cmd,
    serve_cmd,
    users_cmd,
    demo_cmd,
)


def build_app() -> typer.Typer:
    """Return the root command with every group registered."""
    app = typer.Typer(
        name="simbiot",
        help="Simbiot: self-learning market X-ray and multi-user crypto trading.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )

    @app.callback()
    def root(
        ctx: typer.Context,
        config: Annotated[
            Path | None,
            typer.Option(
                "--config",
                "-c",
                help="YAML config file (default: $SIMBIOT_CONFIG or config/simbiot.yaml).",
            ),
        ] = None,
        env_file: Annotated[
            Path, typer.Option("--env-file", help="Dotenv file with secrets.")
        ] = Path(".env"),
    ) -> None:
        # Piped output is not a terminal: give tables room instead of rich's 80 columns.
        width = None if sys.stdout.isatty() else 160
        ctx.obj = CliContext(config, env_file, Console(width=width), Console(stderr=True))

    @app.command()
    def version() -> None:
        """Print the Simbiot version."""
        typer.echo(__version__)

    for group in _GROUPS:
        group.register(app)
    return app


def main() -> None:
    """Entry point of the ``simbiot`` script."""
    build_app()()
