"""The ``/sim`` control routes and the scaled clock."""

from __future__ import annotations

import asyncio

import aiohttp
import ccxt.async_support as ccxt_async

from simbiot.exchange.simulator import SimulatorConfig, SimulatorServer, ccxt_config


async def test_advance_faults_and_status_over_http(simulator: SimulatorServer) -> None:
    base = simulator.base_url
    assert base is not None
    before = simulator.now_ms()
    async with aiohttp.ClientSession() as session:
        async with session.post(base + "/sim/advance", json={"ms": 120_000}) as resp:
            assert (await resp.json())["now_ms"] == before + 120_000
        async with session.post(base + "/sim/advance", json={"ms": -5}) as resp:
            assert resp.status == 400
        async with session.post(base + "/sim/faults", json={"spec": "ping:http_5xx:2x"}) as resp:
            assert (await resp.json()) == {"added": 1}
        async with session.post(base + "/sim/faults", json={"spec": "ping:explode"}) as resp:
            assert resp.status == 400
        async with session.get(base + "/api/v3/ping") as resp:
            assert resp.status == 500
        async with session.delete(base + "/sim/faults") as resp:
            assert resp.status == 200
        async with session.get(base + "/api/v3/ping") as resp:
            assert resp.status == 200
        async with session.get(base + "/sim/status") as resp:
            status = await resp.json()
    assert status["now_ms"] == before + 120_000
    assert status["markets"] == len(simulator.markets.listed())
    # Control routes are neither recorded nor faulted.
    assert [r.route for r in simulator.records] == ["ping", "ping"]


async def test_scaled_clock_produces_candles_with_wall_time() -> None:
    server = SimulatorServer(SimulatorConfig(symbols=5, speed=600.0, history_candles=50))
    base_url = await server.start()
    client = ccxt_async.mexc(ccxt_config(base_url))
    try:
        first = await client.fetch_ohlcv("BTC/USDT", "1m", limit=1)
        await asyncio.sleep(0.25)  # 150 simulated seconds
        later = await client.fetch_ohlcv("BTC/USDT", "1m", limit=1)
        assert later[0][0] >= first[0][0] + 120_000
    finally:
        await client.close()
        await server.stop()
