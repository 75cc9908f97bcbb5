"""``simbiot demo``: the embedded stack on a simulated market, narrated step by step."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from simbiot.analysis.snapshot import render_table
from simbiot.cli.context import cli_context
from simbiot.cli.progress import progress_bar, task_callback
from simbiot.cli.run_cmd import trading_line
from simbiot.config import Settings
from simbiot.domain.errors import SimbiotError
from simbiot.services.run_loop import run_cycles
from simbiot.services.runtime import ShutdownSignal
from simbiot.services.session import open_container
from simbiot.services.signal_cycle import run_signal_cycle, strategy_subscriptions
from simbiot.services.trading import build_trading
from simbiot.services.xray_cycle import run_xray_cycle
from simbiot.signals import render_table as render_signals
from simbiot.storage.migrate import current_async

__all__ = ["register"]


def _redacted_url(url: str) -> str:
    # Never print a password embedded in a database URL.
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


async def _demo(settings: Settings, console: Console, top: int) -> None:
    started = time.perf_counter()
    # An accelerated market: an hour of the simulated venue passes in about a second.
    sim = settings.simulator.model_copy(update={"speed": settings.run.demo_speed})
    settings = settings.model_copy(update={"simulator": sim})
    console.rule("[bold]Simbiot demo: the embedded stack")
    console.print(
        f"config: cache={settings.cache.backend}, bus={settings.bus.backend},"
        f" database={_redacted_url(settings.database_url)}, data dir={settings.app.data_dir}"
    )
    async with open_container(settings) as c:
        revision = await current_async(c.settings.database_url, settings=c.settings.database)
        console.print(f"[green]✓[/green] database migrated to revision {revision}")
        venue = c.venue(None)
        if c.simulator is not None:
            console.print(
                f"[green]✓[/green] market simulator: {c.settings.simulator.symbols} synthetic"
                f" symbols, speed ×{c.settings.simulator.speed:g}, serving {venue} at"
                f" {c.settings.exchanges.venues[venue].base_url} (real ccxt client)"
            )
        else:
            console.print(f"[green]✓[/green] exchange {venue} at its configured URL")
        with progress_bar(console) as bar:
            result = await run_xray_cycle(c, progress=task_callback(bar, "sync closed candles"))
        s = result.sync
        if s is not None:
            console.print(
                f"[green]✓[/green] synced {s.symbols_ok}/{s.symbols_total} symbols:"
                f" {s.candles} candles, {s.requests} requests, {s.batches} batches,"
                f" {len(s.quarantined)} quarantined, in {s.seconds:.1f}s"
            )
        console.rule("[bold]Market X-ray")
        render_table(result.snapshot, console, top)
        total = result.snapshot.timings.get("total", 0.0)
        console.print(
            f"[green]✓[/green] X-ray of {result.snapshot.scanned} symbols in {total * 1000:.0f} ms;"
            f" snapshot cached and published on the bus"
        )
        console.rule("[bold]Signals")
        subscriptions = strategy_subscriptions(c.strategies)
        signals = await run_signal_cycle(c, result.result, subscriptions)
        render_signals(signals, console, top)
        console.print(
            f"[green]✓[/green] {len(signals.configs)} strategy configurations evaluated once each"
            f" over {result.snapshot.filtered} symbols: {signals.signal_count} signals,"
            f" {signals.published} bus messages, {signals.stored} stored"
        )
        console.rule("[bold]Paper trading")
        stack = await build_trading(c)
        console.print(
            f"{len(stack.accounts)} demo users, one paper bot each:"
            f" {', '.join(a.subscription.config.strategy for a in stack.accounts)}"
        )
        await run_cycles(
            c,
            stack,
            cycles=c.settings.run.demo_cycles,
            interval_s=0,
            shutdown=ShutdownSignal(),
            on_cycle=lambda n, x, cyc: console.print(trading_line(n, x, cyc)),
        )
        table = Table(title="Demo users after the run (paper, marked to the last price)")
        for col in ("user", "strategy", "capital", "equity", "PnL %", "open", "orders"):
            table.add_column(col, justify="left" if col in ("user", "strategy") else "right")
        for r in await stack.results():
            table.add_row(
                r.email,
                r.strategy,
                f"{r.capital:,.2f}",
                f"{r.equity:,.2f}",
                f"{r.pnl_pct:+.2f}",
                str(r.positions),
                str(r.orders),
            )
        console.print(table)
    console.rule(f"[bold]done in {time.perf_counter() - started:.1f}s")


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command("demo")
    def demo(
        ctx: typer.Context,
        top: Annotated[int, typer.Option("--top", min=1, help="Ranked symbols to show.")] = 15,
    ) -> None:
        """Run the embedded stack on the simulated market and show what it did."""
        cli = cli_context(ctx)
        try:
            asyncio.run(_demo(cli.settings(), cli.console, top))
        except SimbiotError as exc:
            cli.err_console.print(f"[red]demo failed:[/red] {exc}")
            raise typer.Exit(1) from exc
