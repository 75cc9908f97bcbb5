"""Every simulator fault kind, seen through ccxt, becomes the right domain error, and reads
are retried a bounded number of times."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import ROUND_DOWN, Decimal

import pytest

from conftest import Venue, simulator, start_venue
from simbiot.domain.errors import (
    ExchangeUnavailable,
    MalformedPayload,
    NetworkError,
    RateLimited,
    SimbiotError,
)
from simbiot.domain.orders import OrderSide, OrderType

ATTEMPTS = 3


@pytest.fixture
async def venue() -> AsyncIterator[Venue]:
    v, server = await start_venue(timeout_s=0.5)
    await v.registry.market_data("mexc").load_markets()
    try:
        yield v
    finally:
        await v.registry.close_all()
        await server.stop()


def fault(venue: Venue, kind: str, **kw: object) -> None:
    venue.server.faults.add(simulator.FaultSpec(kind=kind, **kw))


@pytest.mark.parametrize(
    ("kind", "expected", "kw"),
    [
        ("timeout", NetworkError, {"delay_s": 2.0}),
        ("http_429", RateLimited, {"retry_after_s": 0.05}),
        ("http_5xx", ExchangeUnavailable, {}),
        ("maintenance", ExchangeUnavailable, {}),
        ("lost_response", NetworkError, {}),
    ],
)
async def test_retryable_faults_exhaust_bounded_retries(
    venue: Venue, kind: str, expected: type[SimbiotError], kw: dict[str, object]
) -> None:
    fault(venue, kind, route="klines", **kw)
    with pytest.raises(expected) as info:
        await venue.registry.market_data("mexc").fetch_ohlcv("BTC/USDT", "1m", limit=5)
    assert getattr(info.value, "symbol", "BTC/USDT") == "BTC/USDT"
    sent = len(venue.records("klines"))
    if kind == "lost_response":
        # aiohttp itself re-sends an idempotent request once when a kept-alive connection
        # drops, so each of our attempts may reach the venue twice.
        assert ATTEMPTS <= sent <= 2 * ATTEMPTS
    else:
        assert sent == ATTEMPTS


@pytest.mark.parametrize(
    ("kind", "kw"),
    [
        ("timeout", {"delay_s": 2.0}),
        ("http_429", {"retry_after_s": 0.05}),
        ("http_5xx", {}),
        ("maintenance", {}),
        ("lost_response", {}),
        ("latency", {"delay_s": 0.1}),
    ],
)
async def test_transient_faults_are_retried_to_success(
    venue: Venue, kind: str, kw: dict[str, object]
) -> None:
    fault(venue, kind, route="klines", count=1, **kw)
    candles = await venue.registry.market_data("mexc").fetch_ohlcv("BTC/USDT", "1m", limit=5)
    assert len(candles) == 5
    sent = len(venue.records("klines"))
    assert sent == 1 if kind == "latency" else 2 <= sent <= 3


async def test_retry_after_of_429_is_carried(venue: Venue) -> None:
    fault(venue, "http_429", route="klines", retry_after_s=60.0)
    with pytest.raises(RateLimited) as info:
        await venue.registry.market_data("mexc").fetch_ohlcv("BTC/USDT", "1m", limit=5)
    assert info.value.retry_after == pytest.approx(60.0)
    # Longer than the policy's max delay: given up at once, for the caller to schedule.
    assert len(venue.records("klines")) == 1


async def test_ban_418_is_rate_limited_with_retry_after(venue: Venue) -> None:
    fault(venue, "http_418", route="klines", retry_after_s=120.0)
    with pytest.raises(RateLimited) as info:
        await venue.registry.market_data("mexc").fetch_ohlcv("BTC/USDT", "1m", limit=5)
    assert info.value.retry_after == pytest.approx(120.0)


@pytest.mark.parametrize("kind", ["malformed_json", "wrong_type"])
async def test_malformed_payloads_name_the_symbol_and_are_not_retried(
    venue: Venue, kind: str
) -> None:
    fault(venue, kind, route="klines", symbol="ETH/USDT")
    md = venue.registry.market_data("mexc")
    with pytest.raises(MalformedPayload, match="ETH/USDT"):
        await md.fetch_ohlcv("ETH/USDT", "1m", limit=5)
    assert len(venue.records("klines")) == 1
    # Other symbols are unaffected.
    assert len(await md.fetch_ohlcv("BTC/USDT", "1m", limit=5)) == 5


@pytest.mark.parametrize("kind", ["malformed_json", "wrong_type"])
async def test_malformed_ticker_payload(venue: Venue, kind: str) -> None:
    fault(venue, kind, route="ticker")
    with pytest.raises(MalformedPayload):
        await venue.registry.market_data("mexc").fetch_tickers()


async def test_clock_skew_on_private_reads(venue: Venue) -> None:
    fault(venue, "clock_skew", route="account", delay_s=60.0)
    trading = await venue.registry.trading("mexc", "u1", "a1")
    with pytest.raises(NetworkError):
        await trading.fetch_balance()
    assert len(venue.records("account")) == ATTEMPTS


async def test_ping_reports_an_unreachable_venue(venue: Venue) -> None:
    fault(venue, "http_5xx", route="time")
    assert not await venue.registry.market_data("mexc").ping()


async def test_lost_order_response_is_reconciled_by_client_id(venue: Venue) -> None:
    md = venue.registry.market_data("mexc")
    info = (await md.load_markets())["BTC/USDT"]
    last = Decimal(str((await md.fetch_tickers())["BTC/USDT"].last))
    amount = (Decimal("60") / last / info.amount_step).to_integral_value(
        ROUND_DOWN
    ) * info.amount_step
    trading = await venue.registry.trading("mexc", "u1", "a1")
    fault(venue, "lost_response", route="order", count=1)
    client_id = "lost" + uuid.uuid4().hex[:16]
    with pytest.raises(NetworkError, match="unknown"):
        await trading.create_order(
            "BTC/USDT", OrderSide.BUY, OrderType.MARKET, amount, None, client_id
        )
    # Sent once, never retried.
    assert len([r for r in venue.records("order") if r.method == "POST"]) == 1
    placed = await trading.fetch_order_by_client_id("BTC/USDT", client_id)
    assert placed is not None
    assert placed.client_order_id == client_id


@pytest.mark.parametrize("kind", ["malformed_json", "wrong_type"])
async def test_broken_market_list_is_not_cached(kind: str) -> None:
    v, server = await start_venue()
    try:
        md = v.registry.market_data("mexc")
        fault(v, kind, route="exchangeInfo", count=1)
        with pytest.raises(MalformedPayload):
            await md.load_markets()
        assert "BTC/USDT" in await md.load_markets()
    finally:
        await v.registry.close_all()
        await server.stop()


@pytest.mark.parametrize("kind", ["malformed_json", "wrong_type"])
async def test_corrupted_balance_is_never_read_as_no_funds(venue: Venue, kind: str) -> None:
    trading = await venue.registry.trading("mexc", "u1", "a1")
    fault(venue, kind, route="account", count=1)
    with pytest.raises(MalformedPayload):
        await trading.fetch_balance()
    assert (await trading.fetch_balance())["USDT"].free == Decimal("10000")
