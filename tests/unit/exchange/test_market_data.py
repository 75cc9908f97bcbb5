from __future__ import annotations

import asyncio
import random
from typing import Any

import ccxt
import pytest
from exchange_fakes import FakeCcxt, spot_market
from prometheus_client import CollectorRegistry

from simbiot.config.sections import ExchangeSettings, RateLimitSettings, RetrySettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import (
    BadSymbol,
    ConfigError,
    MalformedPayload,
    NetworkError,
    RateLimited,
)
from simbiot.exchange.ccxt.market_data import CcxtMarketData
from simbiot.exchange.metrics import ExchangeMetrics
from simbiot.exchange.pool import ConnectionPool
from simbiot.exchange.ports import MarketDataPort
from simbiot.exchange.retry import RetryPolicy
from simbiot.exchange.throttle import MemoryRateLimiter
from simbiot.observability.metrics import Metrics

HOUR = 3_600_000
ROW = [0, 10.0, 12.0, 9.0, 11.0, 5.0]


def build(client: FakeCcxt, clock: SimulatedClock, attempts: int = 3) -> CcxtMarketData:
    settings = ExchangeSettings(
        rate_limit=RateLimitSettings(ip_weight_per_minute=1200),
        retry=RetrySettings(attempts=attempts, base_delay_s=0.5, max_delay_s=5.0),
    )
    return CcxtMarketData(
        client,
        "mexc",
        settings,
        MemoryRateLimiter(clock),
        ConnectionPool("mexc", 10),
        RetryPolicy(settings.retry, clock, random.Random(0)),
        clock,
    )


def rows(*hours: int) -> list[list[Any]]:
    return [[h * HOUR, *ROW[1:]] for h in hours]


@pytest.fixture
def client() -> FakeCcxt:
    return FakeCcxt({s: spot_market(s) for s in ("BTC/USDT", "ETH/USDT", "AIMMT/USDT")})


async def test_markets_load_once_for_concurrent_callers(client: FakeCcxt) -> None:
    md = build(client, SimulatedClock(10 * HOUR))
    assert isinstance(md, MarketDataPort)
    client.delay_s = 0.01
    results = await asyncio.gather(*(md.load_markets() for _ in range(20)))
    assert all(r is results[0] for r in results)
    assert [c for c, _ in client.calls].count("fetch_spot_markets") == 1
    assert set(results[0]) == {"BTC/USDT", "ETH/USDT", "AIMMT/USDT"}
    await md.load_markets(reload=True)
    assert [c for c, _ in client.calls].count("fetch_spot_markets") == 2


async def test_ohlcv_validated_closed_and_capped(client: FakeCcxt) -> None:
    clock = SimulatedClock(10 * HOUR + 5)
    md = build(client, clock)
    bad = [[3 * HOUR, 10.0, 8.0, 9.0, 11.0, 5.0], "x", [4 * HOUR, None, 1, 1, 1, 1]]
    client.script["fetch_ohlcv"].append(rows(1, 2, 9, 10) + bad)
    out = await md.fetch_ohlcv("BTC/USDT", "1h", since_ms=HOUR, limit=5000)
    # Hour 10 is still open at 10h + 5 ms; three malformed rows are dropped and counted.
    assert out.timestamp.tolist() == [HOUR, 2 * HOUR, 9 * HOUR]
    assert md.dropped_rows == 3
    assert client.calls[-1] == ("fetch_ohlcv", ("BTC/USDT", "1h", HOUR, 1000))


@pytest.mark.parametrize(
    "raised",
    [TypeError("string indices must be integers"), ccxt.BadResponse("mexc <html>")],
)
async def test_parser_crash_is_malformed_payload_naming_the_symbol(
    client: FakeCcxt, raised: Exception
) -> None:
    md = build(client, SimulatedClock(HOUR))
    client.script["fetch_ohlcv"].append(raised)
    with pytest.raises(MalformedPayload, match="AIMMT/USDT"):
        await md.fetch_ohlcv("AIMMT/USDT", "1h")
    client.script["fetch_ohlcv"].append({"code": 0, "data": "x"})
    with pytest.raises(MalformedPayload, match="AIMMT/USDT"):
        await md.fetch_ohlcv("AIMMT/USDT", "1h")
    # Not retried.
    assert [c for c, _ in client.calls].count("fetch_ohlcv") == 2


async def test_reads_are_retried_within_bounds(client: FakeCcxt) -> None:
    clock = SimulatedClock(10 * HOUR)
    md = build(client, clock, attempts=3)
    client.script["fetch_ohlcv"] += [
        ccxt.RequestTimeout("t"),
        ccxt.ExchangeNotAvailable("502"),
        rows(1),
    ]
    assert len(await md.fetch_ohlcv("BTC/USDT", "1h")) == 1
    client.script["fetch_ohlcv"] += [ccxt.RequestTimeout("t")] * 5
    with pytest.raises(NetworkError) as info:
        await md.fetch_ohlcv("ETH/USDT", "1h")
    assert info.value.symbol == "ETH/USDT"
    assert [c for c, _ in client.calls].count("fetch_ohlcv") == 6
    with pytest.raises(BadSymbol):
        await md.fetch_ohlcv("NOPE/USDT", "1h")


async def test_rate_limited_waits_retry_after_and_holds_the_ip_pool(client: FakeCcxt) -> None:
    clock = SimulatedClock(10 * HOUR)
    md = build(client, clock)
    client.script["fetch_ohlcv"] += [ccxt.RateLimitExceeded("429 retry after 4"), rows(1)]
    start = clock.now_ms()
    assert len(await md.fetch_ohlcv("BTC/USDT", "1h")) == 1
    assert clock.now_ms() - start >= 4_000
    client.script["fetch_ohlcv"] += [ccxt.DDoSProtection("418 retry after 600")]
    with pytest.raises(RateLimited) as info:
        await md.fetch_ohlcv("BTC/USDT", "1h")
    assert info.value.retry_after == 600.0
    # The ban holds every later request on this venue.
    client.script["fetch_time"].append(1)
    before = clock.now_ms()
    assert await md.ping()
    assert clock.now_ms() - before >= 600_000


async def test_tickers_and_ping(client: FakeCcxt) -> None:
    md = build(client, SimulatedClock(HOUR))
    client.script["fetch_tickers"].append(
        {"BTC/USDT": {"symbol": "BTC/USDT", "last": 1.0}, "X": "string indices"}
    )
    assert set(await md.fetch_tickers()) == {"BTC/USDT"}
    client.script["fetch_tickers"].append(["not", "a", "dict"])
    with pytest.raises(MalformedPayload):
        await md.fetch_tickers()
    client.script["fetch_time"] += [ccxt.RequestTimeout("t"), ccxt.OnMaintenance("m"), 5]
    assert not await md.ping()
    assert not await md.ping()
    assert await md.ping()
    await md.close()
    assert client.closed


async def test_markets_are_shared_with_other_clients(client: FakeCcxt) -> None:
    md = build(client, SimulatedClock(HOUR))
    other = FakeCcxt()
    md.share_markets(other)
    assert other.markets == {}
    await md.load_markets()
    md.share_markets(other)
    assert set(other.markets) == set(client.markets)


async def test_unsupported_timeframe_is_refused_before_any_request(client: FakeCcxt) -> None:
    md = build(client, SimulatedClock(HOUR))
    with pytest.raises(ConfigError, match="timeframe"):
        await md.fetch_ohlcv("BTC/USDT", "1M")
    assert client.calls == []


async def test_requests_are_measured(client: FakeCcxt) -> None:
    clock = SimulatedClock(10 * HOUR)
    metrics = Metrics(registry=CollectorRegistry())
    settings = ExchangeSettings(retry=RetrySettings(attempts=2, base_delay_s=0.1))
    md = CcxtMarketData(
        client,
        "mexc",
        settings,
        MemoryRateLimiter(clock),
        ConnectionPool("mexc", 10),
        RetryPolicy(settings.retry, clock),
        clock,
        metrics=ExchangeMetrics.create(metrics),
    )
    client.script["fetch_ohlcv"] += [ccxt.RequestTimeout("t"), rows(1)]
    await md.fetch_ohlcv("BTC/USDT", "1h")
    reg = metrics.registry

    def count(endpoint: str, outcome: str) -> float | None:
        labels = {"venue": "mexc", "endpoint": endpoint, "outcome": outcome}
        return reg.get_sample_value("simbiot_exchange_requests_total", labels)

    assert count("ohlcv", "NetworkError") == 1
    assert count("ohlcv", "ok") == 1
    assert count("markets", "ok") == 1
    waits = reg.get_sample_value("simbiot_exchange_throttle_wait_seconds_count", {"venue": "mexc"})
    assert waits == 3
    assert b"simbiot_exchange_request_seconds" in metrics.render()
