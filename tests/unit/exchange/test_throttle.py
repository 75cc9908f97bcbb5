from __future__ import annotations

import random
from typing import TYPE_CHECKING

import numpy as np
import pytest

from simbiot.config.sections import RateLimitSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import ConfigError
from simbiot.exchange.capabilities import capabilities
from simbiot.exchange.throttle import (
    LinkedLimit,
    MemoryRateLimiter,
    RateLimit,
    account_limit_id,
    account_limits,
    coingecko_limit,
    ip_limit_id,
    orders_limit_id,
    venue_limits,
)

if TYPE_CHECKING:
    from conftest import EventClock


def max_window_weight(times: list[int], weights: list[int], window_ms: int) -> int:
    """Largest total weight admitted in any half-open window of ``window_ms``."""
    t = np.asarray(times, dtype=np.int64)
    w = np.asarray(weights, dtype=np.int64)
    order = np.argsort(t, kind="stable")
    t, w = t[order], w[order]
    csum = np.concatenate([[0], np.cumsum(w)])
    # Window ending at each admission: [t_i - window + 1, t_i].
    start = np.searchsorted(t, t - window_ms + 1, side="left")
    end = np.searchsorted(t, t, side="right")
    return int((csum[end] - csum[start]).max())


async def _load(
    limiter: MemoryRateLimiter,
    clock: EventClock,
    limit_id: str,
    until_ms: int,
    log: list[tuple[int, int]],
    seed: int,
    max_weight: int = 5,
) -> None:
    rng = random.Random(seed)
    while clock.now_ms() < until_ms:
        w = rng.randint(1, max_weight)
        await limiter.acquire(limit_id, w)
        log.append((clock.now_ms(), w))


async def test_never_exceeds_and_uses_at_least_90_percent(event_clock: EventClock) -> None:
    limiter = MemoryRateLimiter(event_clock)
    limiter.register(RateLimit("ip", 1200, 60.0))
    log: list[tuple[int, int]] = []
    horizon = 10 * 60_000
    await event_clock.run(
        *(_load(limiter, event_clock, "ip", horizon, log, seed) for seed in range(40))
    )
    times, weights = [t for t, _ in log], [w for _, w in log]
    assert max_window_weight(times, weights, 60_000) <= 1200
    used = sum(w for t, w in log if t < horizon)
    assert used >= 0.9 * 1200 * 10


async def test_linked_pools_share_the_ip_budget(event_clock: EventClock) -> None:
    limiter = MemoryRateLimiter(event_clock)
    limiter.register(
        RateLimit("ip", 600, 60.0),
        RateLimit("a", 500, 60.0, linked=(LinkedLimit("ip"),)),
        RateLimit("b", 500, 60.0, linked=(LinkedLimit("ip", 2),)),
    )
    log_a: list[tuple[int, int]] = []
    log_b: list[tuple[int, int]] = []
    horizon = 5 * 60_000
    await event_clock.run(
        *(_load(limiter, event_clock, "a", horizon, log_a, s, 3) for s in range(5)),
        *(_load(limiter, event_clock, "b", horizon, log_b, 100 + s, 3) for s in range(5)),
    )
    ip_log = [(t, w) for t, w in log_a] + [(t, 2) for t, _ in log_b]
    assert max_window_weight([t for t, _ in ip_log], [w for _, w in ip_log], 60_000) <= 600
    for own in (log_a, log_b):
        assert max_window_weight([t for t, _ in own], [w for _, w in own], 60_000) <= 500
    # The IP pool is the bottleneck and is kept busy.
    assert sum(w for t, w in ip_log if t < horizon) >= 0.9 * 600 * 5


async def test_headroom_keeps_the_budget_in_a_wider_window(event_clock: EventClock) -> None:
    limiter = MemoryRateLimiter(event_clock)
    limiter.register(RateLimit("ip", 1200, 60.0, headroom_s=1.0))
    log: list[tuple[int, int]] = []
    horizon = 10 * 60_000
    await event_clock.run(
        *(_load(limiter, event_clock, "ip", horizon, log, seed) for seed in range(20))
    )
    times, weights = [t for t, _ in log], [w for _, w in log]
    # Requests may arrive up to a second late and still fit the venue's 60 s window.
    assert max_window_weight(times, weights, 61_000) <= 1200
    assert sum(w for t, w in log if t < horizon) >= 0.9 * 1200 * 10


async def test_first_burst_is_immediate_then_paced() -> None:
    clock = SimulatedClock(0)
    limiter = MemoryRateLimiter(clock)
    limiter.register(RateLimit("p", 100, 10.0, burst=5))
    waits = [await limiter.acquire("p") for _ in range(7)]
    assert waits[:5] == [0.0] * 5
    # Steady pace: (100 - 5 + 1) per 10 s.
    assert waits[5] == pytest.approx(10.0 / 96, abs=0.002)


async def test_block_holds_everyone_for_retry_after() -> None:
    clock = SimulatedClock(1_000)
    limiter = MemoryRateLimiter(clock)
    limiter.register(
        RateLimit("ip", 1200, 60.0), RateLimit("acct", 600, 60.0, linked=(LinkedLimit("ip"),))
    )
    await limiter.block("ip", 30.0)
    waited = await limiter.acquire("acct", 1)
    assert waited >= 30.0
    assert clock.now_ms() >= 31_000


async def test_weights_outside_the_burst_and_unknown_pools_are_config_errors() -> None:
    limiter = MemoryRateLimiter(SimulatedClock())
    limiter.register(
        RateLimit("p", 100, 60.0, linked=(LinkedLimit("missing"),)), RateLimit("q", 100, 60)
    )
    with pytest.raises(ConfigError, match="not registered"):
        await limiter.acquire("p")
    with pytest.raises(ConfigError, match="not registered"):
        await limiter.acquire("nope")
    with pytest.raises(ConfigError, match="does not fit"):
        await limiter.acquire("q", 6)
    with pytest.raises(ConfigError, match="does not fit"):
        await limiter.acquire("q", 0)


def test_rate_limit_validation() -> None:
    with pytest.raises(ConfigError):
        RateLimit("x", 0, 60.0)
    with pytest.raises(ConfigError):
        RateLimit("x", 10, 0.0)
    with pytest.raises(ConfigError):
        RateLimit("x", 10, 1.0, burst=11)
    with pytest.raises(ConfigError):
        RateLimit("x", 10, 1.0, headroom_s=-1)
    assert RateLimit("x", 1, 1.0).burst_weight == 1
    assert RateLimit("x", 1, 1.0).emission_ms == 1000.0


def test_venue_and_account_budgets_are_declared_from_settings() -> None:
    caps = capabilities("mexc")
    rl = RateLimitSettings(ip_weight_per_minute=1200, account_orders_per_second=10.0)
    (ip,) = venue_limits(caps, rl)
    assert (ip.limit_id, ip.limit, ip.interval_s) == (ip_limit_id("mexc"), 1200, 60)
    # The heaviest endpoint (tickers, 40) fits in the burst.
    assert ip.burst_weight >= caps.weight("tickers")
    weights, orders = account_limits(caps, "u1:a1", rl)
    assert weights.limit_id == account_limit_id("mexc", "u1:a1")
    assert weights.linked == (LinkedLimit(ip.limit_id),)
    assert orders.limit_id == orders_limit_id("mexc", "u1:a1")
    assert (orders.limit, orders.interval_s) == (10, 1.0)
    slow = account_limits(caps, "x", RateLimitSettings(account_orders_per_second=0.5))[1]
    assert (slow.limit, slow.interval_s) == (1, 2.0)
    cg = coingecko_limit(30)
    assert (cg.limit_id, cg.limit, cg.interval_s, cg.burst_weight) == ("coingecko", 30, 60.0, 1)


async def test_coingecko_calls_are_spaced_evenly(event_clock: EventClock) -> None:
    limiter = MemoryRateLimiter(event_clock)
    limiter.register(coingecko_limit(30))
    log: list[tuple[int, int]] = []
    await event_clock.run(_load(limiter, event_clock, "coingecko", 5 * 60_000, log, 1, 1))
    times = [t for t, _ in log]
    assert max_window_weight(times, [1] * len(times), 60_000) <= 30
    assert np.diff(times).min() >= 2_000
