"""``simbiot signals``: the latest signals of one or more strategies over the whole market."""

from __future__ import annotations

import asyncio
from typing import Annotated

import orjson
import typer
from rich.console import Console

from simbiot.cli.context import cli_context
from simbiot.cli.progress import progress_bar, task_callback
from simbiot.config import Settings
from simbiot.domain.errors import SimbiotError
from simbiot.services.session import open_container
from simbiot.services.signal_cycle import run_signal_cycle, strategy_subscriptions
from simbiot.services.xray_cycle import XRayCycleResult, run_xray_cycle
from simbiot.signals import SignalCycleResult, render_table, to_json

__all__ = ["register"]


async def _signals(
    settings: Settings,
    *,
    strategies: list[str] | None,
    exchange: str | None,
    timeframe: str | None,
    exchange_url: str | None,
    sync: bool,
    console_err: Console | None,
) -> tuple[XRayCycleResult, SignalCycleResult]:
    async with open_container(settings, exchange=exchange, exchange_url=exchange_url) as c:
        subscriptions = strategy_subscriptions(c.strategies, strategies)
        if console_err is not None and sync:
            with progress_bar(console_err) as bar:
                xray = await run_xray_cycle(
                    c, timeframe=timeframe, progress=task_callback(bar, "sync candles")
                )
        else:
            xray = await run_xray_cycle(c, timeframe=timeframe, sync=sync)
        return xray, await run_signal_cycle(c, xray.result, subscriptions)


def register(app: typer.Typer) -> None:
    """Add the ``signals`` command to ``app``."""

    @app.command("signals")
    def signals(
        ctx: typer.Context,
        strategy: Annotated[
            list[str] | None,
            typer.Option("--strategy", "-s", help="Strategy name (repeatable; default: all)."),
        ] = None,
        exchange: Annotated[
            str | None, typer.Option("--exchange", "-e", help="Exchange id.")
        ] = None,
        timeframe: Annotated[
            str | None, typer.Option("--timeframe", "-t", help="Candle timeframe.")
        ] = None,
        top: Annotated[int, typer.Option("--top", min=1, help="Signals to show.")] = 50,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
        sync: Annotated[
            bool, typer.Option("--sync/--no-sync", help="Fetch new closed candles first.")
        ] = True,
        exchange_url: Annotated[
            str | None, typer.Option("--exchange-url", help="Base URL of the exchange API.")
        ] = None,
    ) -> None:
        """Run the X-ray, then each strategy once over every symbol; print the signals."""
        cli = cli_context(ctx)
        try:
            xray, result = asyncio.run(
                _signals(
                    cli.settings(),
                    strategies=strategy,
                    exchange=exchange,
                    timeframe=timeframe,
                    exchange_url=exchange_url,
                    sync=sync,
                    console_err=None if as_json else cli.err_console,
                )
            )
        except SimbiotError as exc:
            cli.err_console.print(f"[red]signals failed:[/red] {exc}")
            raise typer.Exit(1) from exc
        if as_json:
            doc = to_json(result)
            doc["market_state"] = xray.snapshot.to_json()["market_state"]
            typer.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
            return
        st = xray.snapshot.market_state
        cli.console.print(
            f"market: [bold]{st.regime.value}[/bold] ({st.confidence:.0%});"
            f" {xray.snapshot.filtered} of {xray.snapshot.scanned} symbols evaluated"
        )
        render_table(result, cli.console, top)
        for config_id, error in result.errors.items():
            cli.err_console.print(f"[yellow]{config_id}[/yellow]: {error}")
