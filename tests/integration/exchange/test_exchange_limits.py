"""Connection bound and request budget, measured by the simulator."""

from __future__ import annotations

import asyncio

import ccxt.async_support as ccxt_async
import pytest

from conftest import Venue, simulator, start_venue
from simbiot.config.sections import RateLimitSettings
from simbiot.domain.errors import RateLimited
from simbiot.exchange.ccxt.urls import rebase_urls


async def test_at_most_ten_requests_in_flight_for_200_callers(venue: Venue) -> None:
    md = venue.registry.market_data("mexc")
    await md.load_markets()
    venue.server.faults.add(simulator.FaultSpec(kind="latency", route="klines", delay_s=0.05))
    symbols = sorted(await md.load_markets())
    results = await asyncio.gather(
        *(md.fetch_ohlcv(symbols[i % len(symbols)], "1m", limit=5) for i in range(200)),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, Exception)]
    # Delisted markets may have no candles; nothing else may fail.
    assert all(not isinstance(f, RateLimited) for f in failures)
    assert len(venue.records("klines")) >= 150
    assert venue.server.max_in_flight <= 10
    assert venue.server.max_in_flight >= 8  # the bound is used, not just respected
    assert venue.registry.pool("mexc").peak_in_flight <= 10
    ok = venue.metrics.registry.get_sample_value(
        "simbiot_exchange_requests_total", {"venue": "mexc", "endpoint": "ohlcv", "outcome": "ok"}
    )
    assert ok is not None
    assert ok == len(venue.records("klines")) - len(failures)


@pytest.mark.slow
async def test_throttle_keeps_under_the_simulators_weight_limit() -> None:
    """Past the first full minute, where a limiter without headroom meets the venue's window."""
    limit, duration = 100, 66.0
    v, server = await start_venue(
        ip_weight_per_minute=limit,
        rate_limit=RateLimitSettings(ip_weight_per_minute=limit),
    )
    try:
        md = v.registry.market_data("mexc")
        await md.load_markets()  # weight 10

        async def caller() -> None:
            while True:
                await md.fetch_ohlcv("BTC/USDT", "1m", limit=5)

        callers = [asyncio.create_task(caller()) for _ in range(20)]
        await asyncio.sleep(duration)
        for task in callers:
            task.cancel()
        await asyncio.gather(*callers, return_exceptions=True)
        statuses = [r.status for r in server.records]
        assert 429 not in statuses
        assert 418 not in statuses
        weight = sum(r.weight for r in server.records)
        # Burst of 40 (the heaviest request must fit), then 61 per 61 s (1 s of headroom).
        expected = 40 + 61 * duration / 61
        assert 0.9 * expected <= weight <= expected + 1
    finally:
        await v.registry.close_all()
        await server.stop()


async def test_an_unthrottled_client_is_refused_by_the_simulator() -> None:
    """The counter-check: the simulator's limit is real, so the test above means something."""
    server = simulator.SimulatorServer(
        simulator.SimulatorConfig(symbols=5, seed=7, manual_clock=True, ip_weight_per_minute=30)
    )
    base_url = await server.start(host="127.0.0.1", port=0)
    client = ccxt_async.mexc({"enableRateLimit": False})
    client.urls["api"] = rebase_urls(client.urls["api"], base_url)
    try:
        client.set_markets(await client.fetch_spot_markets())
        statuses = set()
        for _ in range(40):
            try:
                await client.fetch_ohlcv("BTC/USDT", "1m", limit=5)
            except (ccxt_async.RateLimitExceeded, ccxt_async.DDoSProtection):
                statuses = {r.status for r in server.records}
                break
        assert statuses & {429, 418}
    finally:
        await client.close()
        await server.stop()
