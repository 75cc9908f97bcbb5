"""Each user's API rate, from the plan in force, remembered for a few seconds per user."""

from __future__ import annotations

from collections import OrderedDict

from simbiot.billing.entitlements import current_plan
from simbiot.config.sections import BillingSettings
from simbiot.domain.clock import Clock
from simbiot.storage.database import Database

__all__ = ["PlanRates"]


class PlanRates:
    """``api_rate_per_minute`` of a user's plan; one database read per user per ``ttl_s``.

    A plan change (subscription paid or expired) takes effect within ``ttl_s`` of
    ``wall_clock``; the plan itself is the one in force at ``clock`` (billing's time). The
    table is bounded: the least recently used users are forgotten first.
    """

    def __init__(
        self,
        database: Database,
        billing: BillingSettings,
        clock: Clock,
        *,
        wall_clock: Clock | None = None,
        ttl_s: float = 30.0,
        max_users: int = 50_000,
    ) -> None:
        self._database = database
        self._billing = billing
        self._clock = clock
        self._wall = wall_clock or clock
        self._ttl_ms = ttl_s * 1000.0
        self._max = max_users
        self._rates: OrderedDict[int, tuple[int, float]] = OrderedDict()

    async def per_minute(self, user_id: int) -> int:
        """The user's authenticated requests per minute."""
        now = self._wall.now_ms()
        hit = self._rates.get(user_id)
        if hit is not None and hit[1] > now:
            self._rates.move_to_end(user_id)
            return hit[0]
        async with self._database.transaction() as session:
            grant = await current_plan(
                session, user_id=user_id, settings=self._billing, now=self._clock.now()
            )
        rate = grant.entitlements.api_rate_per_minute
        self._rates[user_id] = (rate, now + self._ttl_ms)
        self._rates.move_to_end(user_id)
        while len(self._rates) > self._max:
            self._rates.popitem(last=False)
        return rate

    def forget(self, user_id: int) -> None:
        """Drop a user's remembered rate (their plan just changed)."""
        self._rates.pop(user_id, None)
