from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import SecretStr

from simbiot.config.sections import ExchangeSettings, ExchangesSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import ConfigError, DecryptionError
from simbiot.exchange.ccxt.factory import Credentials, create_client
from simbiot.exchange.clients import ClientRegistry
from simbiot.exchange.throttle import MemoryRateLimiter


class Recorder:
    def __init__(self) -> None:
        self.clients: list[Any] = []
        self.credential_calls: list[tuple[str, str, str]] = []

    def factory(self, venue: str, settings: ExchangeSettings, **kw: Any) -> Any:
        client = create_client(venue, settings, **kw)
        self.clients.append(client)
        return client

    async def credentials(self, venue: str, user: str, account: str) -> Credentials:
        self.credential_calls.append((venue, user, account))
        await asyncio.sleep(0)
        return Credentials(SecretStr(f"key-{user}"), SecretStr("secret"))


def registry(rec: Recorder, clock: SimulatedClock, **venue: Any) -> ClientRegistry:
    settings = ExchangesSettings(
        default="mexc",
        venues={
            "mexc": ExchangeSettings(
                **{"private_client_max": 3, "private_client_idle_s": 60, **venue}
            ),
            "binance": ExchangeSettings(enabled=False),
        },
    )
    return ClientRegistry(
        settings,
        MemoryRateLimiter(clock),
        clock,
        credentials=rec.credentials,
        client_factory=rec.factory,
    )


async def test_public_client_is_shared_and_pools_are_per_venue() -> None:
    rec = Recorder()
    reg = registry(rec, SimulatedClock())
    assert reg.market_data() is reg.market_data("mexc")
    assert reg.pool("mexc").max_connections == 10
    assert len(rec.clients) == 1
    assert rec.clients[0].session is reg.pool("mexc").session()
    with pytest.raises(ConfigError, match="not configured or not enabled"):
        reg.market_data("binance")
    with pytest.raises(ConfigError):
        reg.market_data("bybit")
    await reg.close_all()


async def test_private_clients_created_once_with_credentials() -> None:
    rec = Recorder()
    reg = registry(rec, SimulatedClock())
    got = await asyncio.gather(*(reg.trading("mexc", "u1", "a1") for _ in range(10)))
    assert all(t is got[0] for t in got)
    assert rec.credential_calls == [("mexc", "u1", "a1")]
    private = [c for c in rec.clients if c.apiKey == "key-u1"]
    assert len(private) == 1
    # Private clients share the venue's session (so its connection bound).
    assert private[0].session is reg.pool("mexc").session()
    await reg.close_all()
    assert private[0].closed_by_user


async def test_lru_bound_closes_least_recently_used() -> None:
    rec = Recorder()
    clock = SimulatedClock()
    reg = registry(rec, clock)
    first = await reg.trading("mexc", "u1", "a")
    await reg.trading("mexc", "u2", "a")
    await reg.trading("mexc", "u3", "a")
    await reg.trading("mexc", "u1", "a")  # u1 used again: u2 is now the oldest
    await reg.trading("mexc", "u4", "a")
    assert reg.private_count == 3
    assert await reg.trading("mexc", "u1", "a") is first
    assert [c for c in rec.credential_calls if c[1] == "u2"] == [("mexc", "u2", "a")]
    u2_client = next(c for c in rec.clients if c.apiKey == "key-u2")
    assert u2_client.closed_by_user
    await reg.trading("mexc", "u2", "a")  # re-created on demand
    assert len([c for c in rec.credential_calls if c[1] == "u2"]) == 2
    await reg.close_all()


async def test_sweep_closes_idle_clients_only() -> None:
    rec = Recorder()
    clock = SimulatedClock()
    reg = registry(rec, clock)
    await reg.trading("mexc", "idle", "a")
    clock.advance(45)
    await reg.trading("mexc", "busy", "a")
    clock.advance(30)  # idle: 75 s, busy: 30 s
    assert await reg.sweep() == 1
    assert reg.private_count == 1
    assert next(c for c in rec.clients if c.apiKey == "key-idle").closed_by_user
    assert not next(c for c in rec.clients if c.apiKey == "key-busy").closed_by_user
    await reg.evict("mexc", "busy", "a")
    assert reg.private_count == 0
    assert await reg.sweep() == 0
    await reg.close_all()


async def test_no_credentials_provider() -> None:
    clock = SimulatedClock()
    reg = ClientRegistry(ExchangesSettings(), MemoryRateLimiter(clock), clock)
    with pytest.raises(ConfigError, match="credentials"):
        await reg.trading("mexc", "u", "a")
    await reg.close_all()


async def test_failing_close_still_frees_the_slot() -> None:
    rec = Recorder()
    reg = registry(rec, SimulatedClock())
    trading = await reg.trading("mexc", "u1", "a")

    async def broken() -> None:
        raise RuntimeError("close failed")

    trading.close = broken  # type: ignore[method-assign]
    await reg.evict("mexc", "u1", "a")
    assert reg.private_count == 0
    await reg.close_all()


async def test_failing_credentials_leave_no_client_and_a_retry_works() -> None:
    rec = Recorder()
    calls = 0

    async def flaky(venue: str, user: str, account: str) -> Credentials:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise DecryptionError("wrong key")
        return await rec.credentials(venue, user, account)

    clock = SimulatedClock()
    reg = ClientRegistry(
        ExchangesSettings(),
        MemoryRateLimiter(clock),
        clock,
        credentials=flaky,
        client_factory=rec.factory,
    )
    with pytest.raises(DecryptionError):
        await reg.trading("mexc", "u1", "a1")
    assert reg.private_count == 0
    assert await reg.trading("mexc", "u1", "a1") is not None
    assert reg.private_count == 1
    await reg.close_all()
