"""Each fault kind, as the real ccxt client observes it."""

from __future__ import annotations

import json
import time

import ccxt.async_support as ccxt_async
import pytest

from simbiot.exchange.simulator import FaultSpec, SimulatorServer


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("http_429", ccxt_async.RateLimitExceeded),
        ("http_418", ccxt_async.DDoSProtection),
        ("http_5xx", ccxt_async.ExchangeNotAvailable),
        ("maintenance", ccxt_async.OnMaintenance),
    ],
)
async def test_status_faults_map_to_ccxt_classes(
    simulator: SimulatorServer, mexc: ccxt_async.mexc, kind: str, expected: type[Exception]
) -> None:
    simulator.faults.add(FaultSpec(kind=kind, route="klines", count=1))  # type: ignore[arg-type]
    with pytest.raises(expected):
        await mexc.fetch_ohlcv("BTC/USDT", "1m", limit=2)
    assert len(await mexc.fetch_ohlcv("BTC/USDT", "1m", limit=2)) == 2  # the count is spent


async def test_429_carries_retry_after(simulator: SimulatorServer, mexc: ccxt_async.mexc) -> None:
    simulator.faults.add(FaultSpec(kind="http_429", route="ticker", retry_after_s=7))
    with pytest.raises(ccxt_async.RateLimitExceeded):
        await mexc.fetch_ticker("BTC/USDT")
    assert mexc.last_response_headers["Retry-After"] == "7"
    assert simulator.records[-1].status == 429


async def test_timeout_is_request_timeout(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    mexc.timeout = 300
    simulator.faults.add(FaultSpec(kind="timeout", route="depth", delay_s=0.6, count=1))
    with pytest.raises(ccxt_async.RequestTimeout):
        await mexc.fetch_order_book("BTC/USDT")


async def test_latency_delays_but_answers(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    simulator.faults.add(FaultSpec(kind="latency", route="time", delay_s=0.3))
    started = time.perf_counter()
    assert await mexc.fetch_time() == simulator.now_ms()
    assert time.perf_counter() - started >= 0.3


async def test_lost_response_places_the_order_but_drops_the_answer(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    simulator.faults.add(FaultSpec(kind="lost_response", route="order", count=1))
    with pytest.raises(ccxt_async.NetworkError):
        await mexc.create_order(
            "BTC/USDT", "market", "buy", 0.001, params={"clientOrderId": "lost1"}
        )
    # The order exists: reconciliation by client order id finds it filled.
    found = await mexc.fetch_order("", "BTC/USDT", {"clientOrderId": "lost1"})
    assert found["status"] == "closed"
    assert found["filled"] == 0.001
    assert any(r.route == "order" and r.status == 0 for r in simulator.records)


async def test_malformed_json_reaches_ccxt_as_text_and_yields_no_prices(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    # ccxt does not raise on a truncated 200 body: it parses the text, so every price is
    # missing. The adapter's validation must reject such candles (MalformedPayload).
    simulator.faults.add(FaultSpec(kind="malformed_json", route="klines", count=1))
    rows = await mexc.fetch_ohlcv("BTC/USDT", "1m", limit=3)
    assert rows
    assert all(v is None for row in rows for v in row[1:])
    assert isinstance(mexc.last_http_response, str)
    with pytest.raises(json.JSONDecodeError):
        json.loads(mexc.last_http_response)
    # On a list endpoint ccxt's parser meets a string where it expects a dict.
    simulator.faults.add(FaultSpec(kind="malformed_json", route="ticker", count=1))
    with pytest.raises(AttributeError):
        await mexc.fetch_tickers()


async def test_wrong_type_payload_is_garbage_for_one_symbol_only(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    simulator.faults.add(FaultSpec(kind="wrong_type", route="klines", symbol="ETH/USDT"))
    good = await mexc.fetch_ohlcv("BTC/USDT", "1m", limit=3)
    assert all(row[0] % 60_000 == 0 for row in good)
    # Rows arrive as strings; ccxt indexes their characters, so the "candles" it returns
    # hold single digits and timestamps that are not candle times.
    bad = await mexc.fetch_ohlcv("ETH/USDT", "1m", limit=3)
    assert len(bad) == 3
    assert all(row[0] % 60_000 != 0 and all(0 <= v <= 9 for v in row[1:5]) for row in bad)
    simulator.faults.add(FaultSpec(kind="wrong_type", route="ticker", symbol="ETH/USDT"))
    ticker = await mexc.fetch_ticker("ETH/USDT")
    assert ticker["last"] is None
    assert isinstance(ticker["info"]["lastPrice"], dict)


async def test_clock_skew_rejects_signed_requests_and_shifts_time(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    simulator.faults.add(FaultSpec(kind="clock_skew", delay_s=30))
    assert await mexc.fetch_time() == simulator.now_ms() + 30_000
    with pytest.raises(ccxt_async.InvalidNonce):
        await mexc.fetch_balance()
    simulator.faults.clear()
    await mexc.fetch_balance()


async def test_probability_faults_hit_a_share_of_requests(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    rule = simulator.faults.add(FaultSpec(kind="http_5xx", route="ping", probability=0.3))
    failures = 0
    for _ in range(100):
        try:
            await mexc.fetch_status()
        except ccxt_async.ExchangeNotAvailable:
            failures += 1
    assert failures == rule.fired
    assert 15 <= failures <= 45


async def test_symbol_scoped_fault_spares_other_symbols(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    simulator.faults.add(FaultSpec(kind="http_5xx", symbol="ETH/USDT"))
    await mexc.fetch_ticker("BTC/USDT")
    with pytest.raises(ccxt_async.ExchangeNotAvailable):
        await mexc.fetch_ticker("ETH/USDT")
