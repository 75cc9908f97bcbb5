from __future__ import annotations

import random

import pytest

from simbiot.config.sections import RetrySettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import (
    BadSymbol,
    ExchangeUnavailable,
    MalformedPayload,
    NetworkError,
    RateLimited,
)
from simbiot.exchange.retry import RetryPolicy


class Flaky:
    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(clock: SimulatedClock, **kw: float) -> RetryPolicy:
    settings = RetrySettings(**{"attempts": 4, "base_delay_s": 1.0, "max_delay_s": 20.0, **kw})
    return RetryPolicy(settings, clock, random.Random(1))


async def test_retries_retryable_errors_then_succeeds() -> None:
    clock = SimulatedClock()
    op = Flaky([NetworkError("t"), ExchangeUnavailable("503"), RateLimited("429")])
    assert await policy(clock, jitter=0.0).run(op) == "ok"
    assert op.calls == 4
    # Exponential backoff without jitter: 1 + 2 + 4 seconds.
    assert clock.now_ms() == 7_000


async def test_stops_after_the_configured_attempts() -> None:
    clock = SimulatedClock()
    op = Flaky([NetworkError(str(i)) for i in range(10)])
    with pytest.raises(NetworkError, match="2"):
        await policy(clock, attempts=3).run(op)
    assert op.calls == 3


async def test_honours_retry_after() -> None:
    clock = SimulatedClock()
    op = Flaky([RateLimited("429", retry_after=9.0)])
    assert await policy(clock, jitter=0.0).run(op) == "ok"
    assert clock.now_ms() == 9_000


async def test_retry_after_beyond_max_delay_gives_up_at_once() -> None:
    clock = SimulatedClock()
    op = Flaky([RateLimited("418 ban", retry_after=300.0)])
    with pytest.raises(RateLimited):
        await policy(clock).run(op)
    assert op.calls == 1
    assert clock.now_ms() == 0


@pytest.mark.parametrize("exc", [BadSymbol("x"), MalformedPayload("y"), ValueError("z")])
async def test_other_errors_are_not_retried(exc: Exception) -> None:
    op = Flaky([exc])
    with pytest.raises(type(exc)):
        await policy(SimulatedClock()).run(op)
    assert op.calls == 1


def test_delay_is_bounded_and_jittered() -> None:
    p = policy(SimulatedClock(), jitter=0.25, base_delay_s=0.5, max_delay_s=4.0)
    delays = [p.delay(a) for a in range(1, 12) for _ in range(50)]
    assert all(d is not None and 0 <= d <= 4.0 for d in delays)
    first = {p.delay(1) for _ in range(50)}
    assert len(first) > 1
    assert all(d is not None and 0.375 <= d <= 0.625 for d in first)
    assert p.delay(1, retry_after=3.0) == 3.0
    assert p.delay(1, retry_after=4.5) is None
