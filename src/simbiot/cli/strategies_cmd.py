"""``simbiot strategies``: list, show and validate strategies (built-ins and rule files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from simbiot.cli.context import CliContext, cli_context
from simbiot.domain.errors import ConfigError
from simbiot.signals.context import DEFAULT_FEATURES
from simbiot.signals.registry import StrategyRegistry
from simbiot.signals.rules import RuleStrategy, check_rule_text, parse_rule_text
from simbiot.signals.strategy import Strategy

__all__ = ["register"]

RulesDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules-dir",
        "-r",
        help="Directory of rule files (*.yaml) beside the built-ins (default: signals.rules_dir).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
DEFAULT_RULES_DIR = Path("config/strategies")


def _rules_dir(ctx: typer.Context, given: Path | None) -> Path:
    """Return ``--rules-dir``, else the configured ``signals.rules_dir``, else the default."""
    if given is not None:
        return given
    if isinstance(ctx.find_root().obj, CliContext):
        configured = cli_context(ctx).settings().signals.rules_dir
        if configured is not None:
            return configured
    return DEFAULT_RULES_DIR


def _registry(rules_dir: Path, err: Console) -> StrategyRegistry:
    registry = StrategyRegistry.with_builtins()
    for issue in registry.load_directory(rules_dir if rules_dir.is_dir() else None):
        err.print(f"[yellow]skipped[/yellow] {issue}")
    return registry


def _kind(strategy: Strategy) -> str:
    return "rule" if isinstance(strategy, RuleStrategy) else "built-in"


def _describe(strategy: Strategy) -> dict[str, Any]:
    params = strategy.parameters()
    defaults = {k: s.default for k, s in params.items()}
    doc: dict[str, Any] = {
        "name": strategy.name,
        "kind": _kind(strategy),
        "description": strategy.description,
        "params": {k: s.to_json() for k, s in params.items()},
    }
    try:
        needs = strategy.required_indicators(defaults)
        doc["indicators"] = sorted(f"{n}({', '.join(f'{a:g}' for a in args)})" for n, args in needs)
    except ConfigError as exc:
        doc["indicators_error"] = str(exc)
    if isinstance(strategy, RuleStrategy):
        doc["source"] = strategy.source
    return doc


def _range(spec: dict[str, Any]) -> str:
    if spec["kind"] == "choice":
        return "|".join(map(str, spec["choices"]))
    if spec["kind"] == "bool":
        return "true|false"
    return f"{spec['low']:g}..{spec['high']:g}"


def _validate_paths(paths: list[Path]) -> list[str]:
    """Return every problem of the files (directories expand to their *.yaml files)."""
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.glob("*.y*ml")) if p.is_dir() else [p])
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{f}:0: cannot read the file: {exc}")
            continue
        issues = check_rule_text(text, str(f), DEFAULT_FEATURES)
        problems.extend(str(i) for i in issues)
        if not issues:
            name = parse_rule_text(text, features=DEFAULT_FEATURES).name
            if name in seen:
                problems.append(f"{f}:1: name {name!r} is already used by {seen[name]}")
            seen[name] = f
    return problems


def register(app: typer.Typer) -> None:
    """Add the ``strategies`` group to ``app``."""
    group = typer.Typer(help="List, show and validate strategies.", no_args_is_help=True)

    @group.command("list")
    def list_(ctx: typer.Context, rules_dir: RulesDirOpt = None, as_json: JsonOpt = False) -> None:
        """List every strategy with its parameters and their search ranges."""
        out, err = Console(), Console(stderr=True)
        docs = [_describe(s) for s in _registry(_rules_dir(ctx, rules_dir), err)]
        if as_json:
            typer.echo(json.dumps(docs, indent=2))
            return
        table = Table(title=f"{len(docs)} strategies")
        for col in ("name", "kind", "parameters (default, range)", "description"):
            table.add_column(col)
        for d in docs:
            params = ", ".join(f"{k}={v['default']} [{_range(v)}]" for k, v in d["params"].items())
            table.add_row(d["name"], d["kind"], params or "-", d["description"])
        out.print(table)

    @group.command("show")
    def show(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Strategy name.")],
        rules_dir: RulesDirOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Show one strategy: description, parameters, indicators at the defaults."""
        out, err = Console(), Console(stderr=True)
        registry = _registry(_rules_dir(ctx, rules_dir), err)
        try:
            doc = _describe(registry.get(name))
        except ConfigError as exc:
            err.print(f"[red]error[/red] {exc}")
            raise typer.Exit(1) from exc
        if as_json:
            typer.echo(json.dumps(doc, indent=2))
            return
        out.print(f"[bold]{doc['name']}[/bold] ({doc['kind']}): {doc['description']}")
        if "source" in doc:
            out.print(f"source: {doc['source']}")
        table = Table(title="parameters")
        for col in ("name", "kind", "default", "range", "step", "doc"):
            table.add_column(col)
        for k, v in doc["params"].items():
            step = v.get("step")
            table.add_row(
                k,
                v["kind"],
                str(v["default"]),
                _range(v),
                "-" if step is None else f"{step:g}",
                v.get("doc", ""),
            )
        out.print(table)
        out.print("indicators at the defaults: " + ", ".join(doc.get("indicators", [])))

    @group.command("validate")
    def validate(
        paths: Annotated[list[Path], typer.Argument(help="Rule files or directories of them.")],
    ) -> None:
        """Check rule files; print each problem as file:line: message and exit 1 if any."""
        problems = _validate_paths(paths)
        for p in problems:
            typer.echo(p)
        if problems:
            typer.echo(f"{len(problems)} problem(s)", err=True)
            raise typer.Exit(1)
        typer.echo("ok")

    app.add_typer(group, name="strategies")
