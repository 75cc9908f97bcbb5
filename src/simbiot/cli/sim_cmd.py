"""``simbiot sim``: run the bundled market simulator.

``simbiot sim serve --port 8765 --symbols 2000 --seed 7 --speed 60
--faults "klines:http_429:0.1,order:lost_response:1x" --account KEY:SECRET:USDT=10000``

Fault grammar: see :mod:`simbiot.exchange.simulator.faults`. Accounts:
``KEY:SECRET[:ASSET=AMOUNT[,ASSET=AMOUNT...]]``, repeatable.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from simbiot.config.sections import SimulatorSettings
from simbiot.exchange.simulator import SimulatorConfig, SimulatorServer, parse_faults
from simbiot.exchange.simulator.runner import parse_account, serve_until_stopped

__all__ = ["register", "serve_command", "standalone"]


def serve_command(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (0: any free port).")] = None,
    symbols: Annotated[int | None, typer.Option(help="Synthetic markets (1-5000).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the synthetic market.")] = None,
    replay: Annotated[
        Path | None, typer.Option(help="Directory of <BASE>_<QUOTE>.parquet candles to replay.")
    ] = None,
    speed: Annotated[float | None, typer.Option(help="Simulated seconds per wall second.")] = None,
    timeframe: Annotated[
        str | None, typer.Option(help="Base candle of the synthetic market (default 1m).")
    ] = None,
    history: Annotated[int | None, typer.Option(help="Candles before the start.")] = None,
    manual_clock: Annotated[
        bool | None,
        typer.Option("--manual-clock/--scaled-clock", help="Time moves only via /sim/advance."),
    ] = None,
    ip_weight: Annotated[
        int | None, typer.Option(help="Request weight per IP per minute (default: no limit).")
    ] = None,
    faults: Annotated[str, typer.Option(help="Fault rules, e.g. 'klines:http_429:0.1'.")] = "",
    account: Annotated[
        list[str] | None, typer.Option(help="KEY:SECRET[:ASSET=AMOUNT,...] (repeatable).")
    ] = None,
) -> None:
    """Serve the simulated exchange (MEXC spot v3, Binance spot, CoinGecko) until Ctrl-C."""
    settings = _settings(ctx)
    try:
        given = {
            "symbols": symbols,
            "seed": seed,
            "replay_dir": replay,
            "speed": speed,
            "timeframe": timeframe,
            "history_candles": history,
            "manual_clock": manual_clock,
            "ip_weight_per_minute": ip_weight,
        }
        config = SimulatorConfig.from_settings(
            settings, **{k: v for k, v in given.items() if v is not None}
        )
        rules = parse_faults(faults or settings.faults)
        accounts = [parse_account(a) for a in account or []]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console = Console(stderr=True)

    def ready(base_url: str, server: SimulatorServer) -> None:
        console.print(
            f"market simulator: {len(server.markets.listed())} markets at [bold]{base_url}[/bold]"
            f" ({len(accounts)} accounts, {len(rules)} fault rules); Ctrl-C stops it"
        )
        typer.echo(base_url)

    asyncio.run(
        serve_until_stopped(
            config,
            host=host or settings.host,
            port=port if port is not None else settings.port,
            accounts=accounts,
            faults=rules,
            on_ready=ready,
        )
    )


def _settings(ctx: typer.Context) -> SimulatorSettings:
    from simbiot.cli.context import CliContext

    obj = ctx.find_root().obj
    if isinstance(obj, CliContext):
        return obj.settings().simulator
    return SimulatorSettings()


def register(app: typer.Typer) -> None:
    """Add the ``sim`` group to ``app``."""
    group = typer.Typer(help="Run the bundled market simulator.", no_args_is_help=True)
    group.command("serve")(serve_command)
    app.add_typer(group, name="sim")


def standalone() -> None:
    """Run ``sim serve`` on its own (``python -m simbiot.exchange.simulator``)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(serve_command)
    app()
