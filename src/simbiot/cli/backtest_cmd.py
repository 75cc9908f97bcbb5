"""``simbiot backtest``: one strategy over the candle store, audited, with reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
import yaml
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from simbiot.backtest.report import write_html, write_json, write_png_summary
from simbiot.cli.context import cli_context
from simbiot.cli.data_cmd import parse_since
from simbiot.cli.progress import progress_bar
from simbiot.config.sections import BacktestSettings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.errors import SimbiotError
from simbiot.domain.frame import MarketFrame
from simbiot.services.backtest_job import BacktestJob, load_period, run_backtest_job
from simbiot.signals import StrategyRegistry

__all__ = ["register"]

_HEADLINE = (
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown",
    "win_rate",
    "profit_factor",
    "expectancy",
    "exposure",
    "trades",
    "fees",
)


def _params(pairs: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise typer.BadParameter(f"expected NAME=VALUE, got {pair!r}")
        name, raw = pair.split("=", 1)
        out[name.strip()] = yaml.safe_load(raw)
    return out


def _write_reports(job: BacktestJob, report: Path) -> list[Path]:
    suffix = report.suffix.lower()
    if suffix == ".json":
        return [write_json(job.result, report)]
    if suffix == ".png":
        return [write_png_summary(job.result, report)]
    html = write_html(job.result, report.with_suffix(".html"), job.frame)
    png = write_png_summary(job.result, report.with_suffix(".png"))
    return [html, png]


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` command to ``app``."""

    @app.command("backtest")
    def backtest(
        ctx: typer.Context,
        strategy: Annotated[str, typer.Option("--strategy", "-s", help="Strategy name.")],
        exchange: Annotated[
            str | None, typer.Option("--exchange", "-e", help="Exchange id of the candle store.")
        ] = None,
        timeframe: Annotated[
            str | None, typer.Option("--timeframe", "-t", help="Candle timeframe.")
        ] = None,
        start: Annotated[
            str | None, typer.Option("--from", help="First candle (UTC date).")
        ] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last candle (UTC date).")] = None,
        symbols: Annotated[
            str | None,
            typer.Option("--symbols", help="Comma-separated symbols (default: all stored)."),
        ] = None,
        param: Annotated[
            list[str] | None,
            typer.Option("--param", "-p", help="Strategy parameter NAME=VALUE (repeatable)."),
        ] = None,
        stop_loss: Annotated[
            float | None, typer.Option("--stop-loss", help="Stop-loss distance, e.g. 0.05.")
        ] = None,
        fee: Annotated[
            float | None, typer.Option("--fee", help="Fee rate per fill, e.g. 0.001.")
        ] = None,
        engine: Annotated[
            str,
            typer.Option(
                "--engine",
                help="fast (vectorised), event (bar by bar, same fills) or trading (the paper trading engine).",
            ),
        ] = "fast",
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
        report: Annotated[
            Path | None,
            typer.Option("--report", help="Write a report: FILE.html (+ .png), .png or .json."),
        ] = None,
    ) -> None:
        """Backtest a strategy on stored candles; every trade is audited."""
        cli = cli_context(ctx)
        settings = cli.settings()
        overrides: dict[str, Any] = {}
        if stop_loss is not None:
            overrides["stop_loss"] = stop_loss
        if fee is not None:
            overrides["fee"] = fee
        try:
            bt_settings = type(settings.backtest).model_validate(
                {**settings.backtest.model_dump(), **overrides}
            )
        except ValueError as exc:
            cli.err_console.print(f"[red]bad backtest settings:[/red] {exc}")
            raise typer.Exit(2) from exc
        venue = exchange or settings.exchanges.default
        store = ParquetCandleStore(
            settings.path(settings.data.candle_dir), venue, timeframe or settings.data.timeframe
        )
        wanted = [s.strip() for s in symbols.split(",") if s.strip()] if symbols else None
        try:
            frame = load_period(
                store,
                wanted,
                parse_since(start) if start else None,
                parse_since(end) if end else None,
            )
            registry = StrategyRegistry.from_directory(settings.signals.rules_dir)
            params = _params(param)
            if as_json:
                job = run_backtest_job(
                    frame, registry, strategy, params, bt_settings, engine=engine
                )
            else:
                with progress_bar(cli.err_console) as bar:
                    job = _with_progress(
                        bar, frame, registry, strategy, params, bt_settings, engine
                    )
        except SimbiotError as exc:
            cli.err_console.print(f"[red]backtest failed:[/red] {exc}")
            raise typer.Exit(1) from exc
        written = _write_reports(job, report) if report is not None else []
        if as_json:
            doc = job.result.to_json()
            doc["audit"] = job.audit.to_json()
            typer.echo(orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY).decode())
        else:
            _print(cli.console, job)
            for path in written:
                cli.console.print(f"report: {path}")
        if not job.audit.ok:
            cli.err_console.print(f"[red]trade audit failed:[/red] {job.audit.counts()}")
            raise typer.Exit(3)


def _with_progress(
    bar: Progress,
    frame: MarketFrame,
    registry: StrategyRegistry,
    strategy: str,
    params: dict[str, Any],
    bt: BacktestSettings,
    engine: str,
) -> BacktestJob:
    task = bar.add_task(f"backtest {strategy}", total=1.0)

    def advance(stage: str, share: float) -> None:
        bar.update(task, completed=share, description=f"backtest {strategy}: {stage}")

    job = run_backtest_job(frame, registry, strategy, params, bt, engine=engine, progress=advance)
    bar.update(task, completed=1.0)
    return job


def _print(console: Console, job: BacktestJob) -> None:
    r = job.result
    m = r.metrics.to_json()
    table = Table(title=f"{r.strategy} on {len(r.symbols)} symbols, {r.exchange} {r.timeframe}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in _HEADLINE:
        if key in m:
            value = m[key]
            table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    console.print(table)
    console.print(
        f"audit: {job.audit.trades_checked} trades checked, "
        + ("all rules hold" if job.audit.ok else f"violations {job.audit.counts()}")
    )
