"""``simbiot train``, ``simbiot models …``, ``simbiot optimize`` and ``simbiot evolve``."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Annotated, Any, Literal

import orjson
import typer
from rich.table import Table

from simbiot.backtest.robustness import walk_forward_splits
from simbiot.cli.context import CliContext, cli_context
from simbiot.cli.progress import progress_bar, task_callback
from simbiot.config.sections import OptimizeSettings
from simbiot.domain.clock import LiveClock
from simbiot.domain.errors import SimbiotError
from simbiot.domain.frame import MarketFrame
from simbiot.learning import builders as b
from simbiot.learning import cli_learner
from simbiot.learning.evolution import EvolutionLoop
from simbiot.learning.registry import ModelVersion, metric_of
from simbiot.learning.roles import role_of
from simbiot.learning.training import BackgroundTrainer, TrainingInput
from simbiot.optimize.fitness import WalkForwardFitness
from simbiot.optimize.genetic import GeneticOptimizer, OptimizationResult
from simbiot.optimize.space import SearchSpace
from simbiot.optimize.storage import open_storage
from simbiot.signals import StrategyRegistry
from simbiot.storage.engine import create_engine, create_session_factory

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
SymbolsOpt = Annotated[
    str | None, typer.Option("--symbols", help="Comma-separated symbols (default: all stored).")
]
WindowOpt = Annotated[int, typer.Option("--window", help="Newest candles to use.", min=100)]
TrainBarsOpt = Annotated[
    int | None, typer.Option("--train-bars", min=50, help="Walk-forward training window (bars).")
]
TestBarsOpt = Annotated[
    int | None, typer.Option("--test-bars", min=20, help="Walk-forward test window (bars).")
]


def _with_windows(
    os_: OptimizeSettings, train_bars: int | None, test_bars: int | None
) -> OptimizeSettings:
    update: dict[str, int] = {}
    if train_bars is not None:
        update["train_bars"] = train_bars
    if test_bars is not None:
        update["test_bars"] = test_bars
    return OptimizeSettings.model_validate({**os_.model_dump(), **update})


def _symbols(raw: str | None) -> list[str] | None:
    return [s.strip() for s in raw.split(",") if s.strip()] if raw else None


def _study_name(strategy: str, frame: MarketFrame) -> str:
    """Default study name: fitness depends on the data, so the window's end is part of it
    (re-running on the same candles resumes; new candles start a new study)."""
    end = int(frame.timestamp[-1]) if len(frame.timestamp) else 0
    return (
        f"{strategy}-{frame.exchange}-{frame.timeframe}-{len(frame.symbols)}x{frame.shape[1]}-{end}"
    )


def _fail(cli: CliContext, exc: Exception) -> typer.Exit:
    cli.err_console.print(f"[red]error:[/red] {exc}")
    return typer.Exit(1)


async def _train(
    cli: CliContext, name: str, kind: Literal["classifier", "regressor"], symbols: list[str] | None,
    window: int, promote: bool,
) -> ModelVersion:  # fmt: skip
    settings = cli.settings()
    ls = b.learning_settings(settings)
    frame = b.load_market(settings, symbols, window)
    full, digest = b.dataset_cache(settings).load_or_build(frame, b.dataset_spec(ls))
    role = role_of(name, kind)
    label = role.target if role.kind == kind else ("class" if kind == "classifier" else "return")
    data = full.labelled(label)
    target = data.target(label)
    spec = replace(b.training_spec(ls), kind=kind)
    trainer = BackgroundTrainer()
    try:
        with progress_bar(cli.err_console) as bar:
            bar.add_task(f"training {name} on {len(data):,} rows", total=None)
            trained = await trainer.train(
                TrainingInput(data.names, data.x, target, data.t, data.horizon), spec
            )
    finally:
        trainer.close()
    registry, engine = await b.open_registry(settings)
    try:
        version = await registry.register(name, trained, data_hash=digest)
        if promote:
            version = await registry.promote(name, version.version)
        return version
    finally:
        await engine.dispose()


def _versions_table(versions: list[ModelVersion]) -> Table:
    table = Table("model", "version", "status", "kind", "rows", "AUC", "calib.", "created")
    for v in versions:
        auc, ece = metric_of(v.metrics, "auc"), metric_of(v.metrics, "calibration_error")
        rows = metric_of(v.metrics, "rows")
        table.add_row(
            v.name, str(v.version), v.status, v.kind, f"{rows:,.0f}" if rows else "-",
            f"{auc:.4f}" if auc is not None else "-", f"{ece:.4f}" if ece is not None else "-",
            v.created_at.strftime("%Y-%m-%d %H:%M"),
        )  # fmt: skip
    return table


async def _models(cli: CliContext, action: str, name: str | None, version: int | None) -> Any:
    registry, engine = await b.open_registry(cli.settings())
    try:
        if action == "list":
            return await registry.list(name)
        if name is None:
            raise ValueError(f"models {action} needs a model name")
        if action == "show":
            return await registry.get(name, version)
        if action == "promote":
            if version is None:
                raise ValueError("models promote needs a version")
            return await registry.promote(name, version)
        return await registry.rollback(name)
    finally:
        await engine.dispose()


def _print_result(cli: CliContext, result: OptimizationResult, as_json: bool) -> None:
    if as_json:
        typer.echo(orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2).decode())
        return
    table = Table("trial", "Sharpe", "max DD", "parameters")
    for p in result.pareto[:20]:
        table.add_row(str(p.trial), f"{p.sharpe:.3f}", f"{p.max_drawdown:.3f}", str(p.params))
    cli.console.print(table)
    cli.console.print(
        f"{result.trials} trials, {result.evaluations_per_s:.1f} evaluations/s,"
        f" sampler share {result.sampler_share:.1%}"
    )


def register(app: typer.Typer) -> None:
    """Add ``train``, ``models``, ``optimize``, ``evolve`` and ``learner`` to ``app``."""
    cli_learner.register(app)

    @app.command("train")
    def train(
        ctx: typer.Context,
        model: Annotated[
            str, typer.Option("--model", help="Model name in the registry.")
        ] = "trend",
        kind: Annotated[
            str | None,
            typer.Option("--kind", help="classifier or regressor (default: the model's role)."),
        ] = None,
        symbols: SymbolsOpt = None,
        window: WindowOpt = 3000,
        promote: Annotated[bool, typer.Option(help="Make the new version the champion.")] = False,
    ) -> None:
        """Train a model on the stored candles (in a background process) and register it."""
        cli = cli_context(ctx)
        kind = kind or role_of(model).kind
        if kind not in ("classifier", "regressor"):
            raise typer.BadParameter("kind must be classifier or regressor")
        k: Literal["classifier", "regressor"] = "regressor" if kind == "regressor" else "classifier"
        try:
            v = asyncio.run(_train(cli, model, k, _symbols(symbols), window, promote))
        except (SimbiotError, ValueError) as exc:
            raise _fail(cli, exc) from exc
        cli.console.print(_versions_table([v]))

    group = typer.Typer(help="List, show, promote and roll back models.", no_args_is_help=True)

    @group.command("list")
    def list_(
        ctx: typer.Context,
        name: Annotated[str | None, typer.Argument()] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """List model versions, newest first."""
        cli = cli_context(ctx)
        try:
            versions = asyncio.run(_models(cli, "list", name, None))
        except (SimbiotError, ValueError) as exc:
            raise _fail(cli, exc) from exc
        if as_json:
            typer.echo(orjson.dumps([v.to_json() for v in versions]).decode())
        else:
            cli.console.print(_versions_table(versions))

    @group.command("show")
    def show(
        ctx: typer.Context, name: str, version: Annotated[int | None, typer.Argument()] = None
    ) -> None:
        """Show one version (the champion by default) with its metrics, as JSON."""
        cli = cli_context(ctx)
        try:
            v = asyncio.run(_models(cli, "show", name, version))
        except SimbiotError as exc:
            raise _fail(cli, exc) from exc
        typer.echo(orjson.dumps(v.to_json(), option=orjson.OPT_INDENT_2).decode())

    @group.command("promote")
    def promote_(ctx: typer.Context, name: str, version: int) -> None:
        """Make a version the champion (the current one is retired)."""
        cli = cli_context(ctx)
        try:
            v = asyncio.run(_models(cli, "promote", name, version))
        except SimbiotError as exc:
            raise _fail(cli, exc) from exc
        cli.console.print(f"{v.name} v{v.version} is the champion")

    @group.command("rollback")
    def rollback(ctx: typer.Context, name: str) -> None:
        """Restore the previous champion."""
        cli = cli_context(ctx)
        try:
            v = asyncio.run(_models(cli, "rollback", name, None))
        except SimbiotError as exc:
            raise _fail(cli, exc) from exc
        cli.console.print(f"{v.name} v{v.version} is the champion again")

    app.add_typer(group, name="models")

    @app.command("optimize")
    def optimize(
        ctx: typer.Context,
        strategy: Annotated[str, typer.Option("--strategy", help="Strategy name.")],
        generations: Annotated[int | None, typer.Option("--generations", min=1)] = None,
        population: Annotated[int | None, typer.Option("--population", min=2)] = None,
        study: Annotated[str | None, typer.Option("--study", help="Study name (resumes).")] = None,
        symbols: SymbolsOpt = None,
        window: WindowOpt = 3000,
        train_bars: TrainBarsOpt = None,
        test_bars: TestBarsOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Evolve a strategy's parameters with NSGA-II on walk-forward backtests (resumable)."""
        cli = cli_context(ctx)
        settings = cli.settings()
        try:
            os_ = _with_windows(b.optimize_settings(settings), train_bars, test_bars)
            strat = StrategyRegistry.from_directory(settings.signals.rules_dir).get(strategy)
            frame = b.load_market(settings, _symbols(symbols), window)
            splits = walk_forward_splits(frame.shape[1], train=os_.train_bars, test=os_.test_bars)
            if not splits:
                raise ValueError(
                    f"{frame.shape[1]} candles cannot hold {os_.train_bars} training"
                    f" + {os_.test_bars} test bars: lower --train-bars/--test-bars"
                )
            fitness = WalkForwardFitness(
                strat, frame, splits[-os_.folds :], settings.backtest, min_trades=os_.min_trades
            )
            space = SearchSpace(
                strat.parameters(), os_.threshold_multiplier_low, os_.threshold_multiplier_high
            )
            opt = GeneticOptimizer(
                study or _study_name(strategy, frame),
                open_storage(b.study_url(settings)),
                space,
                fitness.evaluate,
                population=population or os_.population,
                crossover_prob=os_.crossover_prob,
                seed=os_.seed,
            )
            with progress_bar(cli.err_console) as bar:
                result = opt.run(
                    generations or os_.generations, task_callback(bar, f"optimising {strategy}")
                )
        except (SimbiotError, ValueError) as exc:
            raise _fail(cli, exc) from exc
        _print_result(cli, result, as_json)

    @app.command("evolve")
    def evolve(
        ctx: typer.Context,
        strategy: Annotated[str, typer.Option("--strategy", help="Strategy name.")],
        symbols: SymbolsOpt = None,
        window: WindowOpt = 3000,
        train_bars: TrainBarsOpt = None,
        test_bars: TestBarsOpt = None,
        generations: Annotated[int | None, typer.Option("--generations", min=1)] = None,
        population: Annotated[int | None, typer.Option("--population", min=2)] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """One self-development round: evolve, compare with the defaults, probe, decide."""
        cli = cli_context(ctx)
        settings = cli.settings()
        try:
            os_ = _with_windows(b.optimize_settings(settings), train_bars, test_bars)
            if generations is not None or population is not None:
                os_ = OptimizeSettings.model_validate(
                    {**os_.model_dump(), "generations": generations or os_.generations,
                     "population": population or os_.population}
                )  # fmt: skip
            strat = StrategyRegistry.from_directory(settings.signals.rules_dir).get(strategy)
            frame = b.load_market(settings, _symbols(symbols), window)
            decision = asyncio.run(_evolve(cli, strat, frame, os_))
        except (SimbiotError, ValueError) as exc:
            raise _fail(cli, exc) from exc
        doc = {"action": decision.action, "reason": decision.reason, "params": decision.params}
        if as_json:
            typer.echo(orjson.dumps({**doc, "evidence": decision.evidence}).decode())
        else:
            cli.console.print(doc)


async def _evolve(cli: CliContext, strat: Any, frame: Any, os_: OptimizeSettings) -> Any:
    settings = cli.settings()
    _, engine = await b.open_registry(settings)  # migrates the decisions table
    await engine.dispose()
    engine = create_engine(settings.database_url, settings.database)
    try:
        loop = EvolutionLoop(
            strat,
            open_storage(b.study_url(settings)),
            create_session_factory(engine),
            os_,
            settings.backtest,
            LiveClock(),
        )
        defaults = {n: s.default for n, s in strat.parameters().items()}
        return await loop.run(frame, defaults, "evolve-" + _study_name(strat.name, frame))
    finally:
        await engine.dispose()
