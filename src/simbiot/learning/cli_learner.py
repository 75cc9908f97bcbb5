"""``simbiot learner run`` / ``simbiot serve learner``: the learner as its own service
(``simbiot run`` also starts it beside trading)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from simbiot.cli.context import CliContext, cli_context
from simbiot.domain.errors import SimbiotError
from simbiot.learning.training import BackgroundTrainer
from simbiot.services.container import Container
from simbiot.services.learner import LearnerReport, build_learner
from simbiot.services.runtime import ShutdownSignal, run_until_stopped

__all__ = ["learner_command", "register"]


def _line(n: int, report: LearnerReport) -> str:
    parts = [f"{name} {v.action} ({v.reason})" for name, v in report.verdicts.items()]
    parts += [f"{name} error ({err})" for name, err in report.errors.items()]
    return f"learner cycle {n}: " + "; ".join(parts)


async def _run(cli: CliContext, cycles: int) -> None:
    settings = cli.settings()
    trainer = BackgroundTrainer()
    try:
        async with Container(settings) as container:
            learner = build_learner(container, trainer)

            async def main(shutdown: ShutdownSignal) -> None:
                while not shutdown.requested:
                    report = await learner.cycle()
                    cli.console.print(_line(learner.cycles, report))
                    if cycles and learner.cycles >= cycles:
                        return
                    await shutdown.wait(settings.learning.learner_interval_s)

            await run_until_stopped(main)
    finally:
        trainer.close(wait=False)


def learner_command(
    ctx: typer.Context,
    cycles: Annotated[
        int, typer.Option("--cycles", min=0, help="Cycles to run (0: until stopped).")
    ] = 0,
) -> None:
    """Check every model for decay, drift and age; retrain, promote or roll back."""
    cli = cli_context(ctx)
    try:
        asyncio.run(_run(cli, cycles))
    except SimbiotError as exc:
        cli.err_console.print(f"[red]learner failed:[/red] {exc}")
        raise typer.Exit(1) from exc


def register(app: typer.Typer) -> None:
    """Add the ``learner`` group to ``app``."""
    group = typer.Typer(help="The learner: retraining cycles of every model.", no_args_is_help=True)
    group.command("run")(learner_command)
    app.add_typer(group, name="learner")
