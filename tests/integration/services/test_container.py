"""The composition root builds every adapter from settings, on both stacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from simbiot.bus.memory import MemoryBus
from simbiot.bus.redis_streams import RedisStreamsBus
from simbiot.config import load_settings
from simbiot.domain.errors import ConfigError
from simbiot.services.container import Container
from simbiot.services.session import open_container, with_exchange_url


async def test_embedded_defaults_build_memory_adapters_and_migrate(tmp_path: Path) -> None:
    settings = load_settings(env_file=None, app={"data_dir": str(tmp_path)})
    async with Container(settings) as c:
        assert isinstance(c.bus, MemoryBus)
        await c.cache.set("k", b"v", 10)
        assert await c.cache.get("k") == b"v"
        assert await c.database.ping()
    assert (tmp_path / "simbiot.db").is_file()


async def test_redis_and_postgres_stack(tmp_path: Path, redis_url: str, postgres_url: str) -> None:
    settings = load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        database={"url": postgres_url},
        cache={"backend": "redis", "redis_url": redis_url, "key_prefix": f"t:{tmp_path.name}:"},
        bus={
            "backend": "redis",
            "redis_url": redis_url,
            "stream_prefix": f"t:{tmp_path.name}:bus:",
        },
    )
    async with Container(settings) as c:
        assert isinstance(c.bus, RedisStreamsBus)
        await c.cache.set("k", b"v", 10)
        assert await c.cache.get("k") == b"v"
        assert await c.database.ping()
        assert type(c.limiter).__name__ == "RedisRateLimiter"
        await c.cache.delete("k")


async def test_unknown_venue_is_a_config_error(tmp_path: Path) -> None:
    settings = load_settings(env_file=None, app={"data_dir": str(tmp_path)})
    c = Container(settings)
    with pytest.raises(ConfigError, match="'kraken' is not configured"):
        c.venue("kraken")
    with pytest.raises(ConfigError):
        with_exchange_url(settings, "kraken", "http://127.0.0.1:1")
    await c.aclose()


async def test_open_container_serves_the_default_venue_from_the_simulator(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None, app={"data_dir": str(tmp_path)}, simulator={"symbols": 20}
    )
    async with open_container(settings) as c:
        assert c.simulator is not None
        url = c.settings.exchanges.venues["mexc"].base_url
        assert url is not None
        assert url.startswith("http://127.0.0.1:")
        markets = await c.market_data().load_markets()
        assert "BTC/USDT" in markets
        # Time is the venue's: candles close by the simulated clock.
        assert abs(c.clock.now_ms() - c.simulator.now_ms()) < 60_000


async def test_explicit_exchange_url_disables_the_embedded_simulator(tmp_path: Path) -> None:
    settings = load_settings(env_file=None, app={"data_dir": str(tmp_path)})
    async with open_container(settings, exchange_url="http://127.0.0.1:9") as c:
        assert c.simulator is None
        assert await c.market_data().ping() is False
