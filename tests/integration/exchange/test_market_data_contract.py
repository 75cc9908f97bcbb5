"""One contract for every ``MarketDataPort``: the ccxt adapter over the simulator's MEXC and
Binance routes, and the in-memory twin loaded with the same data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from conftest import Venue, make_registry, venue_settings
from simbiot.domain.errors import BadSymbol
from simbiot.domain.market import MarketInfo
from simbiot.domain.timeframes import timeframe_ms
from simbiot.exchange.memory import InMemoryMarketData
from simbiot.exchange.ports import MarketDataPort

REFERENCE = ("BTC/USDT", "ETH/USDT", "BNB/USDT")


async def _twin_from(port: MarketDataPort) -> InMemoryMarketData:
    markets = await port.load_markets()
    frames = [await port.fetch_ohlcv(s, "1m", limit=1000) for s in REFERENCE]
    return InMemoryMarketData(
        port.exchange, markets=markets, candles=frames, tickers=await port.fetch_tickers()
    )


@pytest.fixture(params=["mexc", "binance", "memory"])
async def port(request: pytest.FixtureRequest, venue: Venue) -> AsyncIterator[MarketDataPort]:
    if request.param == "binance":
        # Same adapter, another venue: only configuration differs (D4, X2).
        registry = make_registry(venue_settings(venue.base_url + "/binance"), "binance")
        try:
            yield registry.market_data("binance")
        finally:
            await registry.close_all()
        return
    md = venue.registry.market_data("mexc")
    yield md if request.param == "mexc" else await _twin_from(md)


async def test_is_a_market_data_port(port: MarketDataPort) -> None:
    assert isinstance(port, MarketDataPort)
    assert port.exchange in ("mexc", "binance")
    assert await port.ping()


async def test_markets(port: MarketDataPort) -> None:
    markets = await port.load_markets()
    assert set(REFERENCE) <= set(markets)
    assert await port.load_markets() == markets
    for symbol, info in markets.items():
        assert isinstance(info, MarketInfo)
        assert info.symbol == symbol
        assert info.quote == "USDT"
        assert info.price_step > 0
        assert info.amount_step > 0
        assert info.min_amount >= 0
        assert info.min_notional >= 0
    assert markets["BTC/USDT"].tradable


async def test_ohlcv_newest_and_since(port: MarketDataPort) -> None:
    newest = await port.fetch_ohlcv("BTC/USDT", "1m", limit=100)
    assert 0 < len(newest) <= 100
    step = timeframe_ms("1m")
    assert (np.diff(newest.timestamp) % step == 0).all()
    assert (np.diff(newest.timestamp) > 0).all()
    assert (newest.high >= newest.low).all()
    since = int(newest.timestamp[10])
    later = await port.fetch_ohlcv("BTC/USDT", "1m", since_ms=since, limit=20)
    assert len(later) == 20
    assert int(later.timestamp[0]) == since
    assert later.timestamp.tolist() == newest.timestamp[10:30].tolist()
    np.testing.assert_allclose(later.close, newest.close[10:30])


async def test_tickers(port: MarketDataPort) -> None:
    tickers = await port.fetch_tickers()
    assert set(REFERENCE) <= set(tickers)
    btc = tickers["BTC/USDT"]
    assert btc.symbol == "BTC/USDT"
    assert btc.last > 0


async def test_unknown_symbol(port: MarketDataPort) -> None:
    with pytest.raises(BadSymbol):
        await port.fetch_ohlcv("NOPE/USDT", "1m")


async def test_not_api_tradable_markets_are_flagged(venue: Venue) -> None:
    markets = await venue.registry.market_data("mexc").load_markets()
    assert any(not m.api_tradable for m in markets.values())


async def test_markets_loaded_with_one_request(venue: Venue) -> None:
    md = venue.registry.market_data("mexc")
    await asyncio.gather(*(md.load_markets() for _ in range(10)))
    assert len(venue.records("exchangeInfo")) == 1
    assert venue.records("contract") == []
