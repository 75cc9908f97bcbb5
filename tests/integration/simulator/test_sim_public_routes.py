"""The public MEXC routes, through the real ccxt client."""

from __future__ import annotations

import itertools

import aiohttp
import ccxt.async_support as ccxt_async
import pytest

from simbiot.exchange.simulator import SimulatorServer


async def test_load_markets_lists_spot_markets_with_rules(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    markets = mexc.markets
    assert list(markets)[:3] == ["BTC/USDT", "ETH/USDT", "BNB/USDT"]
    listed = simulator.markets.listed()
    assert len(markets) == len(listed)
    btc = markets["BTC/USDT"]
    assert btc["spot"]
    assert btc["active"]
    assert btc["type"] == "spot"
    assert btc["precision"]["price"] == 0.01
    assert btc["limits"]["cost"]["min"] in (1.0, 5.0)
    assert btc["limits"]["amount"]["min"] == btc["precision"]["amount"]
    assert btc["taker"] == 0.0005


async def test_not_api_markets_are_inactive(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    u = simulator.markets.universe
    blocked = [u.symbol(i) for i in simulator.markets.listed() if not u.api_allowed[i]]
    active = [s for s, m in mexc.markets.items() if m["active"]]
    assert all(not mexc.markets[s]["active"] for s in blocked)
    assert len(active) == len(mexc.markets) - len(blocked)


async def test_server_time_and_ping(simulator: SimulatorServer, mexc: ccxt_async.mexc) -> None:
    assert await mexc.fetch_time() == simulator.now_ms()
    status = await mexc.fetch_status()
    assert status["status"] == "ok"


async def test_klines_latest_and_since(simulator: SimulatorServer, mexc: ccxt_async.mexc) -> None:
    latest = await mexc.fetch_ohlcv("BTC/USDT", "1m", limit=5)
    assert len(latest) == 5
    now = simulator.now_ms()
    assert latest[-1][0] == now - now % 60_000
    assert all(b[0] - a[0] == 60_000 for a, b in itertools.pairwise(latest))
    for _, o, h, low, c, v in latest:
        assert low <= min(o, c) <= max(o, c) <= h
        assert v > 0
    since = latest[0][0] - 300 * 60_000
    older = await mexc.fetch_ohlcv("BTC/USDT", "1m", since=since, limit=10)
    assert [row[0] for row in older] == [since + i * 60_000 for i in range(10)]


async def test_klines_hourly_are_aggregates_of_minutes(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    hours = await mexc.fetch_ohlcv("ETH/USDT", "1h", limit=3)
    start = hours[0][0]
    minutes = await mexc.fetch_ohlcv("ETH/USDT", "1m", since=start, limit=60)
    assert len(minutes) == 60
    assert hours[0][1] == minutes[0][1]
    assert hours[0][2] == max(m[2] for m in minutes)
    assert hours[0][3] == min(m[3] for m in minutes)
    assert hours[0][4] == minutes[-1][4]


async def test_klines_advance_with_the_clock(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    before = await mexc.fetch_ohlcv("BTC/USDT", "1m", limit=1)
    simulator.advance(5 * 60_000)
    after = await mexc.fetch_ohlcv("BTC/USDT", "1m", limit=1)
    assert after[0][0] == before[0][0] + 5 * 60_000


async def test_ticker_and_tickers(simulator: SimulatorServer, mexc: ccxt_async.mexc) -> None:
    ticker = await mexc.fetch_ticker("ETH/USDT")
    candle = (await mexc.fetch_ohlcv("ETH/USDT", "1m", limit=1))[0]
    assert ticker["last"] == candle[4]
    assert ticker["bid"] < ticker["last"] < ticker["ask"]
    assert ticker["high"] >= ticker["last"] >= ticker["low"]
    assert ticker["quoteVolume"] > 0
    tickers = await mexc.fetch_tickers()
    assert set(tickers) == set(mexc.markets)
    bid_ask = await mexc.fetch_bids_asks()
    assert bid_ask["BTC/USDT"]["bid"] < bid_ask["BTC/USDT"]["ask"]


async def test_order_book_is_sorted_around_the_price(mexc: ccxt_async.mexc) -> None:
    book = await mexc.fetch_order_book("BTC/USDT", 10)
    bids, asks = book["bids"], book["asks"]
    assert len(bids) == len(asks) == 10
    assert bids[0][0] < asks[0][0]
    assert [b[0] for b in bids] == sorted((b[0] for b in bids), reverse=True)
    assert [a[0] for a in asks] == sorted(a[0] for a in asks)


async def test_unknown_symbol_is_bad_symbol(mexc: ccxt_async.mexc) -> None:
    mexc.markets["NOPE/USDT"] = {
        **mexc.markets["BTC/USDT"],
        "id": "NOPEUSDT",
        "symbol": "NOPE/USDT",
    }
    mexc.markets_by_id["NOPEUSDT"] = [mexc.markets["NOPE/USDT"]]
    with pytest.raises(ccxt_async.BadSymbol):
        await mexc.fetch_ohlcv("NOPE/USDT", "1m", limit=1)


async def test_delisted_symbol_is_bad_symbol_and_leaves_exchange_info(
    simulator: SimulatorServer, mexc: ccxt_async.mexc
) -> None:
    u = simulator.markets.universe
    gone = [i for i in range(len(u)) if u.delist_index[i] < 10**9]
    assert gone, "the 50-market universe has a delisting"
    i = gone[0]
    symbol = u.symbol(i)
    now_index = simulator.markets.current_index()
    simulator.advance(int(u.delist_index[i] - now_index) * 60_000)
    with pytest.raises(ccxt_async.BadSymbol):
        await mexc.fetch_ticker(symbol)
    reloaded = await mexc.load_markets(reload=True)
    assert symbol not in reloaded


async def test_listing_appears_mid_run(simulator: SimulatorServer, mexc: ccxt_async.mexc) -> None:
    u = simulator.markets.universe
    now_index = simulator.markets.current_index()
    late = [i for i in range(len(u)) if u.list_index[i] > now_index]
    assert late, "the 50-market universe has a future listing"
    i = late[0]
    assert u.symbol(i) not in mexc.markets
    simulator.advance(int(u.list_index[i] - now_index) * 60_000)
    reloaded = await mexc.load_markets(reload=True)
    assert u.symbol(i) in reloaded
    candles = await mexc.fetch_ohlcv(u.symbol(i), "1m", limit=100)
    assert len(candles) == 1


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "7m"}, 400),
        ("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": "many"}, 400),
        ("/api/v3/klines", {"interval": "1m"}, 400),
        ("/api/v3/depth", {"symbol": "NOPEUSDT"}, -1121),
        ("/api/v3/exchangeInfo", {"symbol": "NOPEUSDT"}, -1121),
        ("/binance/api/v3/klines", {"symbol": "BTCUSDT", "interval": "7m"}, -1120),
        ("/binance/api/v3/klines", {"interval": "1m"}, -1102),
    ],
)
async def test_bad_requests_get_the_venue_error_body(
    simulator: SimulatorServer, path: str, params: dict[str, str], code: int
) -> None:
    assert simulator.base_url is not None
    async with (
        aiohttp.ClientSession() as session,
        session.get(simulator.base_url + path, params=params) as resp,
    ):
        assert resp.status == 400
        assert (await resp.json())["code"] == code


async def test_ccxt_sees_bad_interval_as_bad_request(mexc: ccxt_async.mexc) -> None:
    with pytest.raises(ccxt_async.BadRequest):
        await mexc.fetch_ohlcv("BTC/USDT", "1M", limit=2)
