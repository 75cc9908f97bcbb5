"""Binance-compatible routes through ccxt's ``binance`` client, and the fake CoinGecko."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import ccxt.async_support as ccxt_async
import pytest

from simbiot.exchange.simulator import SimulatorServer, ccxt_config


@pytest.fixture
async def binance(simulator: SimulatorServer) -> AsyncIterator[ccxt_async.binance]:
    assert simulator.base_url is not None
    client = ccxt_async.binance(ccxt_config(simulator.base_url, exchange="binance"))
    yield client
    await client.close()


async def test_binance_markets_klines_tickers_time(
    simulator: SimulatorServer, binance: ccxt_async.binance, mexc: ccxt_async.mexc
) -> None:
    markets = await binance.load_markets()
    assert set(markets) == set(mexc.markets)
    btc = markets["BTC/USDT"]
    assert btc["precision"]["price"] == 0.01
    assert btc["limits"]["cost"]["min"] == mexc.markets["BTC/USDT"]["limits"]["cost"]["min"]
    assert await binance.fetch_time() == simulator.now_ms()
    assert await binance.fetch_ohlcv("BTC/USDT", "1h", limit=4) == await mexc.fetch_ohlcv(
        "BTC/USDT", "1h", limit=4
    )
    ticker = await binance.fetch_ticker("ETH/USDT")
    assert ticker["last"] == (await mexc.fetch_ticker("ETH/USDT"))["last"]
    tickers = await binance.fetch_tickers()
    assert set(tickers) == set(markets)


async def test_binance_unknown_symbol(simulator: SimulatorServer) -> None:
    assert simulator.base_url is not None
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            simulator.base_url + "/binance/api/v3/klines",
            params={"symbol": "NOPEUSDT", "interval": "1m"},
        ) as resp,
    ):
        assert resp.status == 400
        assert await resp.json() == {"code": -1121, "msg": "Invalid symbol."}


async def test_coingecko_list_and_markets(simulator: SimulatorServer) -> None:
    assert simulator.base_url is not None
    base = simulator.base_url + "/coingecko/api/v3"
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/coins/list") as resp:
            coins = await resp.json()
        async with session.get(
            base + "/coins/markets", params={"vs_currency": "usd", "per_page": "10", "page": "1"}
        ) as resp:
            page1 = await resp.json()
        async with session.get(base + "/coins/markets", params={"ids": "ethereum"}) as resp:
            eth = await resp.json()
    assert {"id": "bitcoin", "symbol": "btc", "name": "Bitcoin"} in coins
    assert len(coins) == len(simulator.markets.listed())
    assert len({c["id"] for c in coins}) == len(coins)
    assert [c["market_cap_rank"] for c in page1] == list(range(1, 11))
    caps = [c["market_cap"] for c in page1]
    assert caps == sorted(caps, reverse=True)
    assert page1[0]["id"] == "bitcoin"
    assert eth[0]["symbol"] == "eth"
    assert eth[0]["current_price"] == pytest.approx(simulator.markets.last_price(1))
