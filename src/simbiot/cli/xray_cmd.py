"""``simbiot xray``: the market X-ray of one exchange and timeframe."""

from __future__ import annotations

import asyncio
from typing import Annotated

import orjson
import typer
from rich.console import Console

from simbiot.analysis.snapshot import render_table
from simbiot.cli.context import cli_context
from simbiot.cli.progress import progress_bar, task_callback
from simbiot.config import Settings
from simbiot.domain.errors import SimbiotError
from simbiot.services.session import open_container
from simbiot.services.xray_cycle import XRayCycleResult, run_xray_cycle

__all__ = ["register"]


async def _xray(
    settings: Settings,
    *,
    exchange: str | None,
    timeframe: str | None,
    exchange_url: str | None,
    sync: bool,
    show_progress: bool,
    console_err: Console,
) -> XRayCycleResult:
    async with open_container(settings, exchange=exchange, exchange_url=exchange_url) as container:
        if not show_progress or not sync:
            return await run_xray_cycle(container, timeframe=timeframe, sync=sync)
        with progress_bar(console_err) as bar:
            callback = task_callback(bar, "sync candles")
            return await run_xray_cycle(
                container, timeframe=timeframe, sync=sync, progress=callback
            )


def register(app: typer.Typer) -> None:
    """Add the ``xray`` command to ``app``."""

    @app.command("xray")
    def xray(
        ctx: typer.Context,
        exchange: Annotated[
            str | None, typer.Option("--exchange", "-e", help="Exchange id (default: configured).")
        ] = None,
        timeframe: Annotated[
            str | None,
            typer.Option("--timeframe", "-t", help="Candle timeframe (default: configured)."),
        ] = None,
        top: Annotated[int, typer.Option("--top", min=1, help="Ranked symbols to show.")] = 30,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
        sync: Annotated[
            bool, typer.Option("--sync/--no-sync", help="Fetch new closed candles first.")
        ] = True,
        exchange_url: Annotated[
            str | None,
            typer.Option(
                "--exchange-url", help="Base URL of the exchange API (e.g. a running simulator)."
            ),
        ] = None,
    ) -> None:
        """Analyse every symbol: market state, ranked symbols, counts and stage timings."""
        cli = cli_context(ctx)
        settings = cli.settings()
        try:
            result = asyncio.run(
                _xray(
                    settings,
                    exchange=exchange,
                    timeframe=timeframe,
                    exchange_url=exchange_url,
                    sync=sync,
                    show_progress=not as_json,
                    console_err=cli.err_console,
                )
            )
        except SimbiotError as exc:
            cli.err_console.print(f"[red]x-ray failed:[/red] {exc}")
            raise typer.Exit(1) from exc
        if as_json:
            doc = result.to_json()
            doc["symbols"] = doc["symbols"][:top]
            typer.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
            return
        if result.sync is not None:
            s = result.sync
            cli.console.print(
                f"synced {s.symbols_ok}/{s.symbols_total} symbols, {s.candles} new candles,"
                f" {s.requests} requests in {s.seconds:.1f}s"
                + (" [red](exchange unreachable)[/red]" if s.network_down else "")
            )
        snap = result.snapshot
        render_table(snap, cli.console, top)
        stages = ", ".join(f"{name} {secs * 1000:.0f} ms" for name, secs in snap.timings.items())
        cli.console.print(
            f"scanned {snap.scanned}, kept by the universe filter {snap.filtered},"
            f" quarantined {len(snap.quarantined)}; stages: {stages}"
        )
