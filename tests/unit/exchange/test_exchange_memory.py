from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from simbiot.domain.errors import BadSymbol, NetworkError, RateLimited
from simbiot.domain.market import Candles, MarketInfo, Ticker
from simbiot.exchange.memory import InMemoryMarketData
from simbiot.exchange.ports import MarketDataPort


def frame(symbol: str, n: int, tf: str = "1h") -> Candles:
    ts = np.arange(n, dtype=np.int64) * 3_600_000
    px = np.linspace(1.0, 2.0, n)
    return Candles(symbol, tf, ts, px, px * 1.01, px * 0.99, px, np.ones(n))


def twin() -> InMemoryMarketData:
    info = MarketInfo("mexc", "BTC/USDT", "BTC", "USDT", Decimal("0.01"), Decimal("0.0001"))
    return InMemoryMarketData(
        "mexc",
        markets={"BTC/USDT": info, "ETH/USDT": info},
        candles={"BTC/USDT": frame("BTC/USDT", 10)},
        tickers={"BTC/USDT": Ticker("BTC/USDT", 1, 100.0)},
    )


async def test_implements_the_port_and_serves_its_data() -> None:
    md = twin()
    assert isinstance(md, MarketDataPort)
    assert md.exchange == "mexc"
    assert set(await md.load_markets()) == {"BTC/USDT", "ETH/USDT"}
    newest = await md.fetch_ohlcv("BTC/USDT", "1h", limit=3)
    assert newest.timestamp.tolist() == [7 * 3_600_000, 8 * 3_600_000, 9 * 3_600_000]
    since = await md.fetch_ohlcv("BTC/USDT", "1h", since_ms=3_600_000 * 5 - 1, limit=2)
    assert since.timestamp.tolist() == [5 * 3_600_000, 6 * 3_600_000]
    assert len(await md.fetch_ohlcv("ETH/USDT", "1h")) == 0
    assert len(await md.fetch_ohlcv("BTC/USDT", "1m")) == 0
    with pytest.raises(BadSymbol):
        await md.fetch_ohlcv("NOPE/USDT", "1h")
    assert set(await md.fetch_tickers()) == {"BTC/USDT"}
    assert await md.ping()
    md.reachable = False
    assert not await md.ping()
    await md.close()
    assert md.closed
    assert md.calls["fetch_ohlcv"] == 5


async def test_scripted_failures() -> None:
    md = twin()
    md.fail("BTC/USDT", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await md.fetch_ohlcv("BTC/USDT", "1h")
    assert len(await md.fetch_ohlcv("BTC/USDT", "1h")) == 10
    md.fail("BTC/USDT", RateLimited("429", retry_after=3))
    assert await md.fetch_tickers() == {}
    with pytest.raises(RateLimited):
        await md.fetch_ohlcv("BTC/USDT", "1h")
    md.heal("BTC/USDT")
    assert len(await md.fetch_ohlcv("BTC/USDT", "1h", limit=4)) == 4
    md.add_candles(frame("BTC/USDT", 3, "1m"))
    assert len(await md.fetch_ohlcv("BTC/USDT", "1m")) == 3
