"""IP weight limit (429 then 418), request records and concurrency, through ccxt."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import ccxt.async_support as ccxt_async
import pytest

from simbiot.exchange.simulator import FaultSpec, SimulatorConfig, SimulatorServer, ccxt_config


@pytest.fixture
async def limited() -> AsyncIterator[SimulatorServer]:
    server = SimulatorServer(
        SimulatorConfig(symbols=10, seed=3, manual_clock=True, ip_weight_per_minute=30)
    )
    await server.start()
    yield server
    await server.stop()


async def test_weight_limit_answers_429_then_bans_with_418(limited: SimulatorServer) -> None:
    assert limited.base_url is not None
    client = ccxt_async.mexc(ccxt_config(limited.base_url))
    try:
        await client.load_markets()  # exchangeInfo (10) + contract detail (1)
        for _ in range(19):
            await client.fetch_ohlcv("BTC/USDT", "1m", limit=1)  # weight 1 each: 30 spent
        with pytest.raises(ccxt_async.RateLimitExceeded):
            await client.fetch_ohlcv("BTC/USDT", "1m", limit=1)
        assert float(client.last_response_headers["Retry-After"]) >= 1
        with pytest.raises(ccxt_async.RateLimitExceeded):
            await client.fetch_time()
        with pytest.raises(ccxt_async.DDoSProtection):
            await client.fetch_time()
        with pytest.raises(ccxt_async.DDoSProtection):
            await client.fetch_time()
    finally:
        await client.close()
    statuses = [r.status for r in limited.records]
    assert statuses.count(429) == 2
    assert statuses[-2:] == [418, 418]
    assert sum(r.weight for r in limited.records if r.status == 200) == 30


async def test_records_hold_route_weight_key_symbol_and_status(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    simulator.records.clear()
    await mexc.fetch_ohlcv("ETH/USDT", "1m", limit=1)
    await mexc.fetch_tickers()
    await mexc.fetch_balance()
    klines, tickers, account = simulator.records
    assert (klines.route, klines.weight, klines.symbol, klines.status) == (
        "klines",
        1,
        "ETH/USDT",
        200,
    )
    assert (tickers.route, tickers.weight, tickers.symbol) == ("ticker", 40, None)
    assert (account.route, account.api_key, account.weight) == ("account", "sim-key", 10)
    assert klines.ts_ms == simulator.now_ms()
    assert klines.path == "/api/v3/klines"


async def test_in_flight_concurrency_is_measured(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    simulator.faults.add(FaultSpec(kind="latency", route="klines", delay_s=0.2))
    await asyncio.gather(*(mexc.fetch_ohlcv("BTC/USDT", "1m", limit=1) for _ in range(6)))
    assert simulator.max_in_flight >= 6
    assert max(r.in_flight for r in simulator.records if r.route == "klines") >= 6
