"""The per-IP weight limiter."""

from __future__ import annotations

from simbiot.exchange.simulator.ratelimit import IpWeightLimiter


def test_admits_within_budget_then_429_with_retry_after() -> None:
    limiter = IpWeightLimiter(10)
    assert limiter.admit("a", 6, now=0.0).status == 0
    assert limiter.admit("a", 4, now=1.0).status == 0
    verdict = limiter.admit("a", 1, now=2.0)
    assert verdict.status == 429
    assert verdict.retry_after_s == 58.0
    assert limiter.admit("b", 10, now=2.0).status == 0  # another IP has its own budget


def test_window_slides() -> None:
    limiter = IpWeightLimiter(10)
    limiter.admit("a", 10, now=0.0)
    assert limiter.admit("a", 1, now=59.0).status == 429
    assert limiter.admit("a", 10, now=60.5).status == 0


def test_repeated_violations_ban_with_418() -> None:
    limiter = IpWeightLimiter(5)
    limiter.admit("a", 5, now=0.0)
    assert limiter.admit("a", 1, now=1.0).status == 429
    assert limiter.admit("a", 1, now=2.0).status == 429
    ban = limiter.admit("a", 1, now=3.0)
    assert ban.status == 418
    assert ban.retry_after_s == 120.0
    assert limiter.admit("a", 1, now=100.0).status == 418
    assert limiter.admit("a", 1, now=124.0).status == 0
