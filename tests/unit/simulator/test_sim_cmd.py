"""The ``sim serve`` command, account specs and the serve loop."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import pytest
import typer
from typer.testing import CliRunner

from simbiot.cli import sim_cmd
from simbiot.exchange.simulator import SimulatorConfig, SimulatorServer, parse_faults
from simbiot.exchange.simulator.runner import parse_account, serve_until_stopped


def test_parse_account() -> None:
    assert parse_account("K:S:USDT=10000,btc=0.5") == (
        "K",
        "S",
        {"USDT": Decimal("10000"), "BTC": Decimal("0.5")},
    )
    assert parse_account("K:S") == ("K", "S", {})


@pytest.mark.parametrize("text", ["K", ":S", "K:S:USDT", "K:S:USDT=abc", "K:S:USDT=-1"])
def test_parse_account_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="account"):
        parse_account(text)


def test_cli_rejects_bad_options_before_serving() -> None:
    app = typer.Typer()
    sim_cmd.register(app)
    runner = CliRunner()
    result = runner.invoke(app, ["sim", "serve", "--faults", "klines:nope"])
    assert result.exit_code == 2
    assert "unknown fault kind" in result.output
    result = runner.invoke(app, ["sim", "serve", "--account", "bad"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["sim", "serve", "--symbols", "0"])
    assert result.exit_code == 2
    help_text = runner.invoke(app, ["sim", "serve", "--help"]).output
    assert "--faults" in help_text
    assert "--account" in help_text


async def test_serve_until_stopped_serves_accounts_and_faults() -> None:
    stop = asyncio.Event()
    seen: dict[str, object] = {}

    def ready(url: str, server: SimulatorServer) -> None:
        seen["url"] = url
        seen["server"] = server

    task = asyncio.create_task(
        serve_until_stopped(
            SimulatorConfig(symbols=5, manual_clock=True),
            host="127.0.0.1",
            port=0,
            accounts=[parse_account("K:S:USDT=5")],
            faults=parse_faults("time:http_5xx:1x"),
            on_ready=ready,
            stop=stop,
        )
    )
    for _ in range(100):
        if "url" in seen:
            break
        await asyncio.sleep(0.02)
    server = seen["server"]
    assert isinstance(server, SimulatorServer)
    assert server.exchange_state.accounts["K"].balances["USDT"].free == Decimal("5")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{seen['url']}/api/v3/time") as resp:
            assert resp.status == 500
        async with session.get(f"{seen['url']}/api/v3/time") as resp:
            assert resp.status == 200
    stop.set()
    await asyncio.wait_for(task, 5)
    assert server.base_url is not None
