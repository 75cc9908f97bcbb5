"""Retries for reads: bounded attempts, exponential backoff with jitter, Retry-After honoured.

Only ``NetworkError``, ``RateLimited`` and ``ExchangeUnavailable`` are retried. Order creation
never goes through here: its unknown outcome is reconciled by client order id instead.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from simbiot.config.sections import RetrySettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import ExchangeUnavailable, NetworkError, RateLimited, RetryableError

__all__ = ["RETRIED", "RetryPolicy"]

T = TypeVar("T")

RETRIED: tuple[type[RetryableError], ...] = (NetworkError, RateLimited, ExchangeUnavailable)

log = logging.getLogger(__name__)


class RetryPolicy:
    """Run a read again after a retryable failure, up to ``settings.attempts`` times in all."""

    def __init__(
        self, settings: RetrySettings, clock: Clock, rng: random.Random | None = None
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._rng = rng or random.Random()

    @property
    def settings(self) -> RetrySettings:
        """The configuration in force."""
        return self._settings

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        Return None when the venue asks for a longer pause than ``max_delay_s``: such a
        wait belongs to the caller's schedule, not to one request.
        """
        s = self._settings
        if retry_after is not None and retry_after > s.max_delay_s:
            return None
        backoff = min(s.max_delay_s, s.base_delay_s * 2 ** (attempt - 1))
        jittered = backoff * (1.0 + s.jitter * self._rng.uniform(-1.0, 1.0))
        wait = min(s.max_delay_s, max(0.0, jittered))
        return float(max(wait, retry_after)) if retry_after is not None else float(wait)

    async def run(self, op: Callable[[], Awaitable[T]], *, what: str = "request") -> T:
        """Await ``op()``; on a retryable error wait and call it again, within the bounds."""
        attempt = 1
        while True:
            try:
                return await op()
            except RETRIED as exc:
                if attempt >= self._settings.attempts:
                    raise
                wait = self.delay(attempt, exc.retry_after)
                if wait is None:
                    raise
                log.info(
                    "%s failed (%s: %s); retry %d/%d in %.2fs",
                    what,
                    type(exc).__name__,
                    exc,
                    attempt,
                    self._settings.attempts - 1,
                    wait,
                )
                await self._clock.sleep(wait)
                attempt += 1
