"""``simbiot run``: the embedded stack trading its configured users until stopped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from simbiot.cli.api_beside import api_beside, with_api_secrets
from simbiot.cli.context import cli_context
from simbiot.config import Settings
from simbiot.domain.errors import SimbiotError
from simbiot.services.learner import learner_running
from simbiot.services.run_loop import run_cycles
from simbiot.services.runtime import ShutdownSignal, run_until_stopped
from simbiot.services.session import open_container
from simbiot.services.trading import TradingCycle, build_trading
from simbiot.services.xray_cycle import XRayCycleResult

__all__ = ["register", "trading_line"]


def trading_line(n: int, xray: XRayCycleResult, cycle: TradingCycle) -> str:
    """One line per cycle: candle time, market state, signals, orders, exits."""
    snap = xray.snapshot
    return (
        f"cycle {n + 1}: {datetime.fromtimestamp(snap.generated_at_ms / 1000, UTC):%Y-%m-%d %H:%M} "
        f"{snap.market_state.regime.value:<15} signals {cycle.signals.signal_count:>4}  "
        f"orders {cycle.orders_sent:>3}  exits {cycle.monitor.exits:>3}  "
        f"open positions {cycle.monitor.positions:>3}"
    )


async def _run(
    settings: Settings, console: Console, cycles: int, interval_s: float, api: bool
) -> None:
    if api:
        settings = with_api_secrets(settings)
    async with open_container(settings) as container:
        stack = await build_trading(container)
        console.print(
            f"trading {len(stack.accounts)} paper users on {stack.venue}"
            + (
                f" (simulated, speed ×{container.settings.simulator.speed:g})"
                if container.simulator
                else ""
            )
        )

        async def main(shutdown: ShutdownSignal) -> None:
            async with (
                api_beside(container.settings, container, console, enabled=api),
                learner_running(container, shutdown),
            ):
                await run_cycles(
                    container,
                    stack,
                    cycles=cycles,
                    interval_s=interval_s,
                    shutdown=shutdown,
                    on_cycle=lambda n, x, c: console.print(trading_line(n, x, c)),
                )

        await run_until_stopped(main)
        for r in await stack.results():
            console.print(
                f"{r.email:<28} {r.strategy:<20} equity {r.equity:>12.2f}"
                f" ({r.pnl_pct:+.2f}%), {r.positions} open, {r.orders} orders"
            )


def register(app: typer.Typer) -> None:
    """Add the ``run`` command to ``app``."""

    @app.command("run")
    def run(
        ctx: typer.Context,
        cycles: Annotated[
            int | None,
            typer.Option(
                "--cycles", min=0, help="Cycles to run (0: until stopped; default: run.cycles)."
            ),
        ] = None,
        interval: Annotated[
            float | None,
            typer.Option(
                "--interval",
                min=0,
                help="Seconds of venue time between cycles (0: each candle close).",
            ),
        ] = None,
        api: Annotated[
            bool,
            typer.Option(
                "--api/--no-api", help="Serve the HTTP API beside trading (api.host, api.port)."
            ),
        ] = True,
    ) -> None:
        """Run market data → X-ray → signals → paper trading for the configured users."""
        cli = cli_context(ctx)
        settings = cli.settings()
        try:
            asyncio.run(
                _run(
                    settings,
                    cli.console,
                    settings.run.cycles if cycles is None else cycles,
                    settings.run.interval_s if interval is None else interval,
                    api,
                )
            )
        except SimbiotError as exc:
            cli.err_console.print(f"[red]run failed:[/red] {exc}")
            raise typer.Exit(1) from exc
