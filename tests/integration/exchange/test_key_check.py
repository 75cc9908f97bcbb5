"""Asking the venue about a key through real ccxt clients and the simulator's routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from simbiot.config.sections import ExchangeSettings, ExchangesSettings, RetrySettings
from simbiot.domain.clock import LiveClock
from simbiot.domain.errors import AuthenticationError, ExchangeUnavailable
from simbiot.exchange.clients import ClientRegistry
from simbiot.exchange.permissions import KeyPermissions, Permission
from simbiot.exchange.simulator import SimulatorConfig, SimulatorServer, parse_faults
from simbiot.exchange.throttle import MemoryRateLimiter
from simbiot.security.secrets import ExchangeCredentials
from simbiot.services.key_check import KEY_CHECK_ATTEMPTS, check_key


@pytest.fixture
async def server() -> AsyncIterator[SimulatorServer]:
    sim = SimulatorServer(SimulatorConfig(symbols=20, seed=3, manual_clock=True))
    await sim.start(host="127.0.0.1", port=0)
    sim.add_account("TRADEONLYKEY", "s3cret-trade", {"USDT": Decimal(100)})
    sim.add_account("WITHDRAWKEY1", "s3cret-withdraw", {}, can_withdraw=True)
    try:
        yield sim
    finally:
        await sim.stop()


def _settings(base_url: str) -> ExchangeSettings:
    retry = RetrySettings(attempts=2, base_delay_s=0.02, max_delay_s=0.1)
    return ExchangeSettings(base_url=base_url, timeout_s=2.0, retry=retry)


async def _check(sim: SimulatorServer, venue: str, key: str, secret: str) -> KeyPermissions:
    assert sim.base_url is not None
    base = sim.base_url + ("/binance" if venue == "binance" else "")
    clock = LiveClock()
    registry = ClientRegistry(
        ExchangesSettings(default=venue, venues={venue: _settings(base)}),
        MemoryRateLimiter(clock),
        clock,
    )
    try:
        return await check_key(
            registry,
            MemoryRateLimiter(clock),
            clock,
            venue=venue,
            credentials=ExchangeCredentials(key, secret),
        )
    finally:
        await registry.close_all()


async def test_binance_tells_a_trade_only_key(server: SimulatorServer) -> None:
    perms = await _check(server, "binance", "TRADEONLYKEY", "s3cret-trade")
    assert perms == KeyPermissions(Permission.NO, Permission.YES, Permission.YES)
    assert not perms.can_withdraw
    assert [r.route for r in server.records] == ["binance_apiRestrictions"]


async def test_binance_tells_a_key_that_can_withdraw(server: SimulatorServer) -> None:
    perms = await _check(server, "binance", "WITHDRAWKEY1", "s3cret-withdraw")
    assert perms.withdraw is Permission.YES
    assert perms.can_withdraw


async def test_an_unknown_key_is_refused(server: SimulatorServer) -> None:
    with pytest.raises(AuthenticationError):
        await _check(server, "binance", "NOSUCHKEY", "whatever")


async def test_a_wrong_secret_is_refused(server: SimulatorServer) -> None:
    with pytest.raises(AuthenticationError):
        await _check(server, "binance", "TRADEONLYKEY", "not-the-secret")


async def test_mexc_cannot_tell_so_nothing_is_asked(server: SimulatorServer) -> None:
    perms = await _check(server, "mexc", "TRADEONLYKEY", "s3cret-trade")
    assert perms == KeyPermissions.unknown()
    assert server.records == []


async def test_the_key_and_secret_never_reach_the_logs(
    server: SimulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await _check(server, "binance", "TRADEONLYKEY", "s3cret-trade")
    with pytest.raises(AuthenticationError):
        await _check(server, "binance", "TRADEONLYKEY", "s3cret-wrong")
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("TRADEONLYKEY", "s3cret-trade", "s3cret-wrong"):
        assert secret not in text


async def test_a_failing_venue_is_asked_twice_at_most(server: SimulatorServer) -> None:
    for rule in parse_faults("binance_apiRestrictions:http_5xx:1"):
        server.faults.add(rule)
    assert server.base_url is not None
    clock = LiveClock()
    slow_retry = RetrySettings(attempts=6, base_delay_s=0.01, max_delay_s=30.0)
    settings = ExchangeSettings(base_url=server.base_url + "/binance", retry=slow_retry)
    registry = ClientRegistry(
        ExchangesSettings(default="binance", venues={"binance": settings}),
        MemoryRateLimiter(clock),
        clock,
    )
    try:
        with pytest.raises(ExchangeUnavailable):
            await check_key(
                registry,
                MemoryRateLimiter(clock),
                clock,
                venue="binance",
                credentials=ExchangeCredentials("TRADEONLYKEY", "s3cret-trade"),
            )
    finally:
        await registry.close_all()
    assert len(server.records) == KEY_CHECK_ATTEMPTS
