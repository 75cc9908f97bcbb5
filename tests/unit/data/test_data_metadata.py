from __future__ import annotations

from decimal import Decimal

import pytest

from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.data.coin_mapping import map_markets, name_similarity
from simbiot.data.coingecko_parse import CoinGeckoCoin
from simbiot.data.market_codec import decode_markets, encode_markets
from simbiot.data.metadata import MarketMetadata
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import DataError, NetworkError
from simbiot.domain.market import MarketInfo, MarketStatus
from simbiot.exchange.memory import InMemoryMarketData


def market(base: str, name: str | None = None, **kw: object) -> MarketInfo:
    extra = {"name": name} if name else {}
    return MarketInfo(
        "mexc",
        f"{base}/USDT",
        base,
        "USDT",
        Decimal("0.0001"),
        Decimal("0.01"),
        extra=extra,
        **kw,  # type: ignore[arg-type]
    )


AI_COINS = [
    CoinGeckoCoin("sleepless-ai", "ai", "Sleepless AI", 5e7, 400),
    CoinGeckoCoin("any-inu", "ai", "Any Inu", 1e6, 2000),
    CoinGeckoCoin("ai-network", "ai", "AI Network", 2e6, 1500),
    CoinGeckoCoin("bitcoin", "btc", "Bitcoin", 1e12, 1, ("Layer 1 (L1)",)),
    CoinGeckoCoin("batcat", "btc", "batcat", 1e4, 9000),
]


def test_name_similarity() -> None:
    assert name_similarity("Bitcoin", "bitcoin") == 1.0
    assert name_similarity("Sleepless AI", "SleeplessAI Token") >= 0.9
    assert name_similarity("Bitcoin", "batcat") < 0.75
    assert name_similarity("", "x") == 0.0


def test_ambiguous_ticker_resolved_by_name_then_market_cap() -> None:
    matches = map_markets(
        [
            market("AI", "Sleepless AI"),
            market("BTC", "Bitcoin"),
            market("BTC2", "Bitcoin"),
        ],
        AI_COINS,
    )
    assert matches["AI/USDT"].coin.id == "sleepless-ai"
    assert matches["AI/USDT"].method == "name"
    assert matches["BTC/USDT"].coin.id == "bitcoin"  # not the small "btc" namesake
    assert "BTC2/USDT" not in matches


def test_ambiguous_ticker_without_name_left_unmapped_single_mapped() -> None:
    coins = [*AI_COINS, CoinGeckoCoin("solana", "sol", "Solana", 8e10, 5)]
    matches = map_markets([market("AI"), market("SOL"), market("XYZ")], coins)
    assert "AI/USDT" not in matches
    assert matches["SOL/USDT"].method == "symbol-only"
    assert "XYZ/USDT" not in matches


def test_name_mismatch_and_override() -> None:
    matches = map_markets(
        [market("AI", "Artificial Intelligence Meme"), market("ANY", "whatever")],
        AI_COINS,
        overrides={"any": "any-inu"},
    )
    assert "AI/USDT" not in matches
    assert matches["ANY/USDT"].coin.id == "any-inu"
    assert matches["ANY/USDT"].method == "override"
    assert map_markets([market("ANY")], AI_COINS, overrides={"ANY": "missing"}) == {}


def test_market_codec_round_trip_and_rejects_garbage() -> None:
    m = market("BTC", "Bitcoin", min_notional=Decimal("5.000001"), status=MarketStatus.HALTED)
    back = decode_markets(encode_markets({m.symbol: m}, updated_ms=1))
    assert back == {m.symbol: m}
    with pytest.raises(DataError):
        decode_markets(b'{"schema": 1, "markets": [{"symbol": "X"}]}')
    with pytest.raises(DataError, match="unknown schema"):
        decode_markets(b"[]")
    with pytest.raises(DataError):
        decode_markets(b'{"schema": 1, "markets": 3}')


class FakeCoinGecko:
    def __init__(self, coins: list[CoinGeckoCoin], fail: bool = False) -> None:
        self._coins = coins
        self.fail = fail
        self.calls = 0

    async def coins_markets(self, pages: int | None = None) -> list[CoinGeckoCoin]:
        self.calls += 1
        if self.fail:
            raise NetworkError("coingecko down")
        return self._coins


async def test_metadata_cached_and_fused() -> None:
    clock = SimulatedClock(0)
    cache = MemoryCache(clock=clock)
    markets = {m.symbol: m for m in (market("AI", "Sleepless AI"), market("BTC", "Bitcoin"))}
    md = InMemoryMarketData(markets=markets)
    cg = FakeCoinGecko(AI_COINS)
    meta = MarketMetadata(md, cache, clock, 604_800, coingecko=cg)
    profiles = await meta.profiles()
    assert profiles["BTC/USDT"].rank == 1
    assert profiles["BTC/USDT"].categories == ("Layer 1 (L1)",)
    assert profiles["AI/USDT"].coingecko_id == "sleepless-ai"
    assert profiles["AI/USDT"].market_cap == 5e7
    await meta.profiles()
    assert md.calls["load_markets"] == 1
    assert cg.calls == 1
    assert await cache.ttl(CacheKeys.markets("mexc")) == 604_800
    clock.advance(604_800 + 1)
    await meta.profiles()
    assert md.calls["load_markets"] == 2
    assert cg.calls == 2


async def test_metadata_without_coingecko_and_with_corrupt_cache() -> None:
    clock = SimulatedClock(0)
    cache = MemoryCache(clock=clock)
    md = InMemoryMarketData(markets={"BTC/USDT": market("BTC", "Bitcoin")})
    cg = FakeCoinGecko(AI_COINS, fail=True)
    meta = MarketMetadata(md, cache, clock, 60, coingecko=cg)
    await cache.set(CacheKeys.markets("mexc"), b"garbage", 60)
    await cache.set(CacheKeys.coingecko_coins(), b"{bad", 60)
    profiles = await meta.profiles()
    assert profiles["BTC/USDT"].coingecko_id is None
    assert profiles["BTC/USDT"].match is None
    assert md.calls["load_markets"] == 1
    assert await MarketMetadata(md, cache, clock, 60).coins() == []
