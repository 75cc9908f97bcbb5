from __future__ import annotations

from decimal import Decimal

from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.data.universe import Universe, available_symbols
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.market import MarketInfo, MarketStatus
from simbiot.exchange.memory import InMemoryMarketData


def market(symbol: str, **kw: object) -> MarketInfo:
    base, quote = symbol.split("/")
    return MarketInfo("mexc", symbol, base, quote, Decimal("0.01"), Decimal("0.01"), **kw)  # type: ignore[arg-type]


MARKETS = {
    m.symbol: m
    for m in (
        market("BTC/USDT"),
        market("ETH/USDT"),
        market("ETH/BTC"),
        market("HALT/USDT", status=MarketStatus.HALTED),
        market("GONE/USDT", status=MarketStatus.DELISTED),
        market("NOAPI/USDT", api_tradable=False),
        market("low/usdt"),
    )
}


def test_available_symbols_filters_status_api_and_quote() -> None:
    assert available_symbols(MARKETS, "usdt") == ["BTC/USDT", "ETH/USDT", "low/usdt"]


async def test_cached_for_ttl_then_refreshed() -> None:
    clock = SimulatedClock(0)
    cache = MemoryCache(clock=clock)
    md = InMemoryMarketData(markets=MARKETS)
    universe = Universe(md, cache, clock, 86_400, "USDT")
    assert await universe.symbols() == ["BTC/USDT", "ETH/USDT", "low/usdt"]
    assert await universe.symbols() == ["BTC/USDT", "ETH/USDT", "low/usdt"]
    assert md.calls["load_markets"] == 1
    assert await cache.ttl(CacheKeys.symbols_available("mexc")) == 86_400
    clock.advance(86_401)
    await universe.symbols()
    assert md.calls["load_markets"] == 2


async def test_corrupt_cache_entry_reloads() -> None:
    clock = SimulatedClock(0)
    cache = MemoryCache(clock=clock)
    md = InMemoryMarketData(markets=MARKETS)
    universe = Universe(md, cache, clock, 60, "USDT")
    for raw in (b"not json", b'{"symbols": [1, 2]}', b'{"other": 1}'):
        await cache.set(universe.key, raw, 60)
        assert await universe.symbols() == ["BTC/USDT", "ETH/USDT", "low/usdt"]
    assert md.calls["load_markets"] == 3
