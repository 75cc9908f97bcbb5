"""``simbiot data …`` (download, import, list) and ``simbiot symbols``."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simbiot.cli.context import cli_context
from simbiot.config import Settings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.data.importer import import_path
from simbiot.data.store_port import CandleStore
from simbiot.data.sync_report import SyncReport
from simbiot.domain.clock import LiveClock
from simbiot.domain.errors import SimbiotError
from simbiot.services.session import open_container

__all__ = ["parse_since", "register"]

ExchangeOpt = Annotated[str | None, typer.Option("--exchange", "-e", help="Exchange id.")]
TimeframeOpt = Annotated[str | None, typer.Option("--timeframe", "-t", help="Candle timeframe.")]
UrlOpt = Annotated[
    str | None,
    typer.Option("--exchange-url", help="Base URL of the exchange API (e.g. the simulator)."),
]


def parse_since(text: str) -> int:
    """Return ms since the epoch for an ISO date/time (UTC when no zone is given)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO date: {text!r} (e.g. 2025-01-01)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _print_sync(console: Console, report: SyncReport) -> None:
    table = Table(title=f"{report.exchange} {report.timeframe} sync")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in report.as_dict().items():
        if key in ("exchange", "timeframe"):
            continue
        table.add_row(key, str(value))
    console.print(table)
    for symbol, reason in sorted(report.failures.items())[:20]:
        console.print(f"[yellow]{symbol}[/yellow]: {reason}")


async def _download(
    settings: Settings,
    console: Console,
    exchange: str | None,
    timeframe: str | None,
    since_ms: int | None,
    symbols: list[str] | None,
    exchange_url: str | None,
) -> SyncReport:
    async with open_container(settings, exchange=exchange, exchange_url=exchange_url) as c:
        sync = await c.candle_sync(timeframe=timeframe)
        with _progress(console) as bar:
            tf = timeframe or settings.data.timeframe
            task = bar.add_task(f"{c.venue(None)} {tf}", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return await sync.run(symbols, since_ms=since_ms, progress=advance)


def _list_stores(root: Path) -> list[tuple[str, str, int, int, int]]:
    out: list[tuple[str, str, int, int, int]] = []
    if not root.is_dir():
        return out
    for ex_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for tf_dir in sorted(p for p in ex_dir.iterdir() if p.is_dir()):
            files = [f for f in tf_dir.glob("*.parquet") if not f.name.startswith(".")]
            rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
            size = sum(os.path.getsize(f) for f in files)
            out.append((ex_dir.name, tf_dir.name, len(files), rows, size))
    return out


def register(app: typer.Typer) -> None:
    """Add the ``data`` group and the ``symbols`` command to ``app``."""
    group = typer.Typer(help="Download, import and list candle data.", no_args_is_help=True)

    @group.command("download")
    def download(
        ctx: typer.Context,
        exchange: ExchangeOpt = None,
        timeframe: TimeframeOpt = None,
        since: Annotated[
            str | None, typer.Option(help="Start of history for symbols not stored yet (UTC).")
        ] = None,
        symbols: Annotated[
            str | None, typer.Option(help="Comma-separated symbols (default: all available).")
        ] = None,
        exchange_url: UrlOpt = None,
    ) -> None:
        """Download closed candles into the candle store (incremental)."""
        cli = cli_context(ctx)
        since_ms = parse_since(since) if since else None
        wanted = [s.strip() for s in symbols.split(",") if s.strip()] if symbols else None
        try:
            report = asyncio.run(
                _download(
                    cli.settings(), cli.console, exchange, timeframe, since_ms, wanted, exchange_url
                )
            )
        except SimbiotError as exc:
            cli.err_console.print(f"[red]download failed[/red]: {exc}")
            raise typer.Exit(1) from exc
        _print_sync(cli.console, report)
        if report.network_down:
            cli.err_console.print("[red]exchange unreachable: download incomplete[/red]")
            raise typer.Exit(3)

    @group.command("import")
    def import_(
        ctx: typer.Context,
        path: Annotated[Path, typer.Argument(help="A Parquet/CSV file or a directory of them.")],
        exchange: ExchangeOpt = None,
        timeframe: TimeframeOpt = None,
    ) -> None:
        """Import candle files into the candle store, through cleaning."""
        cli = cli_context(ctx)
        settings = cli.settings()
        root = settings.path(settings.data.candle_dir)

        def stores(ex: str, tf: str) -> CandleStore:
            return ParquetCandleStore(root, ex, tf)

        with _progress(cli.console) as bar:
            task = bar.add_task("import", total=None)
            try:
                report = import_path(
                    path,
                    stores,
                    now_ms=LiveClock().now_ms(),
                    exchange=exchange,
                    timeframe=timeframe,
                    on_file=lambda p, r: bar.advance(task),
                )
            except SimbiotError as exc:
                cli.err_console.print(f"[red]import failed[/red]: {exc}")
                raise typer.Exit(1) from exc
        cli.console.print(
            f"{report.files} files, {report.candles} candles added, "
            f"{report.rows_dropped} rows dropped by cleaning, {report.files_failed} files failed"
        )
        for where, n in sorted(report.per_store.items()):
            cli.console.print(f"  {where}: {n}")
        for file, error in sorted(report.errors.items()):
            cli.err_console.print(f"[yellow]{file}[/yellow]: {error}")
        if report.files_failed:
            raise typer.Exit(1)

    @group.command("list")
    def list_(ctx: typer.Context) -> None:
        """List the candle stores: symbols, candles and size per exchange and timeframe."""
        cli = cli_context(ctx)
        settings = cli.settings()
        table = Table(title=str(settings.path(settings.data.candle_dir)))
        for col in ("exchange", "timeframe", "symbols", "candles", "MiB"):
            table.add_column(col, justify="left" if col in ("exchange", "timeframe") else "right")
        for ex, tf, files, rows, size in _list_stores(settings.path(settings.data.candle_dir)):
            table.add_row(ex, tf, str(files), str(rows), f"{size / 2**20:.1f}")
        cli.console.print(table)

    app.add_typer(group, name="data")

    @app.command("symbols")
    def symbols_cmd(
        ctx: typer.Context,
        problems: Annotated[
            bool, typer.Option("--problems", help="List quarantined symbols instead.")
        ] = False,
        exchange: ExchangeOpt = None,
        exchange_url: UrlOpt = None,
    ) -> None:
        """List the available symbols of an exchange, or its problem (quarantined) symbols."""
        cli = cli_context(ctx)
        try:
            asyncio.run(_symbols(cli.settings(), cli.console, problems, exchange, exchange_url))
        except SimbiotError as exc:
            cli.err_console.print(f"[red]symbols failed[/red]: {exc}")
            raise typer.Exit(1) from exc


async def _symbols(
    settings: Settings,
    console: Console,
    problems: bool,
    exchange: str | None,
    exchange_url: str | None,
) -> None:
    async with open_container(settings, exchange=exchange, exchange_url=exchange_url) as c:
        venue = c.venue(None)
        quarantine = await c.quarantine()
        if problems:
            entries = await quarantine.entries()
            table = Table(title=f"{venue}: {len(entries)} problem symbols")
            for col in ("symbol", "reason", "until (UTC)", "failures"):
                table.add_column(col)
            for e in sorted(entries.values(), key=lambda e: e.symbol):
                until = datetime.fromtimestamp(e.until_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")
                table.add_row(e.symbol, e.reason, until, str(e.failures))
            console.print(table)
            return
        available = await quarantine.available(await c.universe().symbols())
        console.print(f"{venue}: {len(available)} available symbols")
        console.print(" ".join(available))
