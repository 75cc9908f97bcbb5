from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from simbiot.cli import data_cmd
from simbiot.cli.app import build_app
from simbiot.data.candle_store import ParquetCandleStore

H = 3_600_000
START = (int(time.time() * 1000) // H - 24 * 60) * H


def _serve(conn: Connection) -> None:
    from simbiot.exchange.simulator.config import SimulatorConfig
    from simbiot.exchange.simulator.server import SimulatorServer

    async def main() -> None:
        server = SimulatorServer(
            SimulatorConfig(
                symbols=30,
                seed=9,
                timeframe="1h",
                history_candles=600,
                start_ms=START,
                manual_clock=True,
            )
        )
        conn.send(await server.start())
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        await server.stop()

    asyncio.run(main())


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    # The CLI runs its own event loop, so the venue lives in another process.
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(child,), daemon=True)
    proc.start()
    try:
        assert parent.poll(60), "simulator did not start"
        yield parent.recv()
    finally:
        parent.send("stop")
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("SIMBIOT_APP__DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SIMBIOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    root = build_app()
    if not any(g.name == "data" for g in root.registered_groups):
        data_cmd.register(root)
    return root


def test_download_symbols_and_problems(
    app: typer.Typer, simulator_url: str, tmp_path: Path
) -> None:
    since = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime((START - 100 * H) / 1000))
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "data",
            "download",
            "--exchange",
            "mexc",
            "--timeframe",
            "1h",
            "--since",
            since,
            "--symbols",
            "BTC/USDT,ETH/USDT,NOPE/USDT",
            "--exchange-url",
            simulator_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "symbols_ok" in result.output
    store = ParquetCandleStore(tmp_path / "var" / "candles", "mexc", "1h")
    assert store.symbols() == ["BTC/USDT", "ETH/USDT"]
    btc = store.read("BTC/USDT")
    assert btc.timestamp[0] == START - 100 * H
    # Up to the simulator's present (its open candle looks closed to the wall clock).
    assert btc.last_timestamp in (START - H, START)
    assert len(btc) == (btc.last_timestamp - btc.timestamp[0]) // H + 1

    listed = runner.invoke(app, ["symbols", "--exchange-url", simulator_url])
    assert listed.exit_code == 0, listed.output
    assert "available symbols" in listed.output
    assert "BTC/USDT" in listed.output
    # The unknown symbol was quarantined at once; the audit survives the process.
    problems = runner.invoke(app, ["symbols", "--problems", "--exchange-url", simulator_url])
    assert problems.exit_code == 0, problems.output
    assert "NOPE/USDT" in problems.output
    assert "1 problem symbols" in problems.output
    assert "NOPE/USDT" not in listed.output.split("available symbols", 1)[1]


def test_download_unreachable_exchange_exits_3(app: typer.Typer) -> None:
    result = CliRunner().invoke(
        app,
        ["data", "download", "--symbols", "BTC/USDT", "--exchange-url", "http://127.0.0.1:9"],
    )
    assert result.exit_code == 3, result.output
    assert "unreachable" in result.output
