"""What every command receives: the options given before the command name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from simbiot.config import Settings, load_settings
from simbiot.domain.errors import ConfigError
from simbiot.observability.logging import LoggingHandle
from simbiot.observability.setup import setup_logging

__all__ = ["CliContext", "cli_context"]


@dataclass
class CliContext:
    """Global options and the lazily built settings."""

    config_file: Path | None
    env_file: Path
    console: Console
    err_console: Console
    _settings: Settings | None = None
    _logging: LoggingHandle | None = None

    def settings(self) -> Settings:
        """Load the settings once; exit with code 2 and a clear message when they are bad.

        Logging is configured on first load: the rotating file under the data dir gets
        everything, the console only warnings (commands print their own output).
        """
        if self._settings is None:
            try:
                self._settings = load_settings(self.config_file, self.env_file)
            except ConfigError as exc:
                self.err_console.print(f"[red]configuration error[/red]\n{exc}")
                raise typer.Exit(2) from exc
            self._logging = setup_logging(self._settings, console=False)
        return self._settings


def cli_context(ctx: typer.Context) -> CliContext:
    """Return the CliContext stored by the root callback."""
    obj = ctx.find_root().obj
    if not isinstance(obj, CliContext):  # pragma: no cover - the root callback always sets it
        raise RuntimeError("CLI context missing")
    return obj
