"""The market simulator over HTTP, and the exchange layer wired to it through real ccxt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from simbiot.config.sections import (
    ExchangeSettings,
    ExchangesSettings,
    RateLimitSettings,
    RetrySettings,
)
from simbiot.domain.clock import LiveClock
from simbiot.exchange.ccxt.factory import Credentials
from simbiot.exchange.clients import ClientRegistry
from simbiot.exchange.throttle import MemoryRateLimiter
from simbiot.observability.metrics import Metrics

simulator = pytest.importorskip("simbiot.exchange.simulator")

KEY, SECRET = "KEY", "SECRET"


@dataclass
class Venue:
    """A running simulator and a registry of clients pointed at it."""

    server: Any
    base_url: str
    registry: ClientRegistry
    settings: ExchangeSettings
    metrics: Metrics

    def records(self, route: str) -> list[Any]:
        """Requests the simulator received on ``route``."""
        return [r for r in self.server.records if r.route == route]


def venue_settings(base_url: str, **over: Any) -> ExchangeSettings:
    values: dict[str, Any] = {
        "base_url": base_url,
        "timeout_s": 2.0,
        "max_connections": 10,
        "rate_limit": RateLimitSettings(
            ip_weight_per_minute=100_000, account_weight_per_minute=100_000
        ),
        "retry": RetrySettings(attempts=3, base_delay_s=0.02, max_delay_s=2.0, jitter=0.1),
    }
    values.update(over)
    return ExchangeSettings(**values)


async def credentials(venue: str, user_id: str, account_id: str) -> Credentials:
    return Credentials(SecretStr(KEY), SecretStr(SECRET))


def make_registry(
    settings: ExchangeSettings, venue: str = "mexc", metrics: Metrics | None = None
) -> ClientRegistry:
    clock = LiveClock()
    return ClientRegistry(
        ExchangesSettings(default=venue, venues={venue: settings}),
        MemoryRateLimiter(clock),
        clock,
        credentials=credentials,
        metrics=metrics,
    )


async def start_venue(
    *, ip_weight_per_minute: int | None = None, **settings_over: Any
) -> tuple[Venue, Any]:
    server = simulator.SimulatorServer(
        simulator.SimulatorConfig(
            symbols=50, seed=7, manual_clock=True, ip_weight_per_minute=ip_weight_per_minute
        )
    )
    base_url = await server.start(host="127.0.0.1", port=0)
    server.add_account(KEY, SECRET, {"USDT": Decimal("10000")})
    settings = venue_settings(base_url, **settings_over)
    metrics = Metrics(registry=CollectorRegistry())
    return Venue(
        server, base_url, make_registry(settings, metrics=metrics), settings, metrics
    ), server


@pytest.fixture
async def venue() -> AsyncIterator[Venue]:
    v, server = await start_venue()
    try:
        yield v
    finally:
        await v.registry.close_all()
        await server.stop()
