"""Last prices: fetched once for every reader and cached; an unreachable venue gives none
and is not asked again before the tickers TTL."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from simbiot.cache.keys import CacheKeys
from simbiot.config import load_settings
from simbiot.services.container import Container
from simbiot.services.last_prices import LastPrices
from simbiot.services.session import open_container


async def test_prices_are_shared_through_the_cache(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None, app={"data_dir": str(tmp_path)}, simulator={"symbols": 20, "speed": 1}
    )
    async with open_container(settings) as c:
        prices = await LastPrices(c).prices()
        assert prices["BTC/USDT"] > 0
        raw = await c.cache.get(CacheKeys.tickers(c.venue(None)))
        assert raw is not None
        assert {k: Decimal(v) for k, v in orjson.loads(raw).items()} == prices
        # Another reader (another process) takes the cached prices.
        await c.cache.set(CacheKeys.tickers(c.venue(None)), b'{"BTC/USDT": "1.5"}', 30)
        assert await LastPrices(c).prices() == {"BTC/USDT": Decimal("1.5")}
        # A corrupt entry is refetched.
        await c.cache.set(CacheKeys.tickers(c.venue(None)), b"not json", 30)
        assert (await LastPrices(c).prices())["BTC/USDT"] > 0


async def test_an_unreachable_venue_gives_no_price_and_is_not_hammered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        exchanges={"venues": {"mexc": {"base_url": "http://127.0.0.1:9"}}},
    )
    async with Container(settings) as c:
        prices = LastPrices(c)
        with caplog.at_level(logging.WARNING, logger="simbiot.services.last_prices"):
            assert await prices.prices() == {}
            assert await prices.prices() == {}
        asked = [r for r in caplog.records if "last prices unavailable" in r.getMessage()]
        assert len(asked) == 1
