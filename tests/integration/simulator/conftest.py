"""Fixtures: a running simulator (manual clock, 50 markets, one funded account) and ccxt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import ccxt.async_support as ccxt_async
import pytest

from simbiot.exchange.simulator import SimulatorConfig, SimulatorServer, ccxt_config

API_KEY = "sim-key"
SECRET = "sim-secret"
START_USDT = Decimal("10000")


@pytest.fixture
async def simulator() -> AsyncIterator[SimulatorServer]:
    """A running simulator: manual clock, 50 synthetic markets, account ``sim-key``."""
    server = SimulatorServer(SimulatorConfig(symbols=50, seed=7, manual_clock=True))
    await server.start()
    server.add_account(API_KEY, SECRET, {"USDT": START_USDT})
    yield server
    await server.stop()


@pytest.fixture
async def mexc(simulator: SimulatorServer) -> AsyncIterator[ccxt_async.mexc]:
    """The real ccxt ``mexc`` async client, signed with the funded account, 2 s timeout."""
    assert simulator.base_url is not None
    config = ccxt_config(simulator.base_url, api_key=API_KEY, secret=SECRET)
    client = ccxt_async.mexc({**config, "timeout": 2_000})
    await client.load_markets()
    yield client
    await client.close()
