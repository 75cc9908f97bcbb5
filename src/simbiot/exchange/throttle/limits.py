"""Rate limits declared as data, and the budgets of each venue, account and CoinGecko.

A ``RateLimit`` is a pool: at most ``limit`` units of weight in any window of
``interval_s`` seconds. Acquiring a pool also acquires its ``linked`` pools (an account's
pool is linked to its venue's IP pool), all at the same instant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simbiot.config.sections import RateLimitSettings
from simbiot.domain.errors import ConfigError
from simbiot.exchange.capabilities import VenueCapabilities

__all__ = [
    "LinkedLimit",
    "RateLimit",
    "account_limit_id",
    "account_limits",
    "coingecko_limit",
    "ip_limit_id",
    "orders_limit_id",
    "venue_limits",
]


@dataclass(frozen=True, slots=True)
class LinkedLimit:
    """Another pool charged with every acquisition; ``weight=None`` charges the same weight."""

    limit_id: str
    weight: int | None = None


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``limit`` weight per sliding window of ``interval_s`` seconds.

    ``burst`` is how much weight may go out at once after a quiet spell; the steady pace
    is ``limit - burst + 1`` per window, so no window ever holds more than ``limit``.
    The default burst is 5% of the limit, which keeps the steady pace at about 95%.
    ``headroom_s`` widens the window we keep to, so requests that reach the venue a little
    late (network jitter) still fall within the venue's own window.
    """

    limit_id: str
    limit: int
    interval_s: float
    weight: int = 1
    linked: tuple[LinkedLimit, ...] = ()
    burst: int | None = None
    headroom_s: float = 0.0

    def __post_init__(self) -> None:
        if self.limit < 1 or self.interval_s <= 0 or self.weight < 1 or self.headroom_s < 0:
            raise ConfigError(f"rate limit {self.limit_id!r}: limit, interval, weight must be > 0")
        if self.burst is not None and not 1 <= self.burst <= self.limit:
            raise ConfigError(f"rate limit {self.limit_id!r}: burst must be in 1..limit")

    @property
    def burst_weight(self) -> int:
        """Weight that may be taken at once."""
        return self.burst if self.burst is not None else max(1, self.limit // 20)

    @property
    def emission_ms(self) -> float:
        """Milliseconds of budget one unit of weight occupies."""
        window_ms = (self.interval_s + self.headroom_s) * 1000.0
        return window_ms / (self.limit - self.burst_weight + 1)


def ip_limit_id(venue: str) -> str:
    """Id of the pool shared by every request from this host to ``venue``."""
    return f"{venue}:ip"


def account_limit_id(venue: str, account: str) -> str:
    """Id of the weight pool of one account on ``venue``."""
    return f"{venue}:account:{account}"


def orders_limit_id(venue: str, account: str) -> str:
    """Id of the order-rate pool of one account on ``venue``."""
    return f"{venue}:orders:{account}"


# Arrival jitter tolerated on minute windows (1.7% of the budget) and on per-second ones.
MINUTE_HEADROOM_S = 1.0
SECOND_HEADROOM_S = 0.05


def _burst(limit: int, caps: VenueCapabilities) -> int:
    # A burst smaller than the heaviest request would make that request impossible.
    return min(limit, max(limit // 20, max(caps.weights.values()), 1))


def venue_limits(caps: VenueCapabilities, settings: RateLimitSettings) -> list[RateLimit]:
    """Return the venue's IP pool."""
    limit = settings.ip_weight_per_minute
    return [
        RateLimit(
            ip_limit_id(caps.venue),
            limit,
            60.0,
            burst=_burst(limit, caps),
            headroom_s=MINUTE_HEADROOM_S,
        )
    ]


def account_limits(
    caps: VenueCapabilities, account: str, settings: RateLimitSettings
) -> list[RateLimit]:
    """Return an account's weight pool and order-rate pool, both linked to the IP pool."""
    ip = LinkedLimit(ip_limit_id(caps.venue))
    weight_limit = settings.account_weight_per_minute
    weights = RateLimit(
        account_limit_id(caps.venue, account),
        weight_limit,
        60.0,
        linked=(ip,),
        burst=_burst(weight_limit, caps),
        headroom_s=MINUTE_HEADROOM_S,
    )
    # "10.0 per second" becomes 10 per 1 s; "0.5 per second" becomes 1 per 2 s.
    per_second = settings.account_orders_per_second
    count = max(1, math.floor(per_second))
    orders = RateLimit(
        orders_limit_id(caps.venue, account),
        count,
        count / per_second,
        linked=(LinkedLimit(weights.limit_id, 1), ip),
        burst=1,
        headroom_s=SECOND_HEADROOM_S,
    )
    return [weights, orders]


def coingecko_limit(calls_per_minute: int) -> RateLimit:
    """Return CoinGecko's pool: ``calls_per_minute`` calls, one at a time."""
    return RateLimit("coingecko", calls_per_minute, 60.0, burst=1, headroom_s=MINUTE_HEADROOM_S)
