"""What the limit middlewares need at run time, opened and closed with the API's lifespan."""

from __future__ import annotations

from simbiot.api.limits.gcra import MemoryRateCounter, RateCounter, RedisRateCounter
from simbiot.api.limits.plans import PlanRates
from simbiot.api.state import ApiState
from simbiot.cache.redis_support import make_client

__all__ = ["LimitsRuntime", "limits_runtime", "runtime_of"]


class LimitsRuntime:
    """The rate counter (Redis when the cache is Redis, else in memory) and plan rates."""

    def __init__(self, counter: RateCounter, rates: PlanRates) -> None:
        self.counter = counter
        self.rates = rates

    async def start(self) -> None:
        """Nothing to start: the counter connects on first use."""

    async def aclose(self) -> None:
        """Close the counter's connections."""
        await self.counter.aclose()


def limits_runtime(state: ApiState) -> LimitsRuntime:
    """Background factory: the runtime built from the process's settings."""
    cs = state.settings.cache
    counter: RateCounter
    if cs.backend == "redis":
        client = make_client(
            cs.redis_url,
            max_connections=cs.max_connections,
            socket_timeout_s=cs.socket_timeout_s,
            connect_timeout_s=cs.connect_timeout_s,
            pool_timeout_s=cs.pool_timeout_s,
        )
        counter = RedisRateCounter(client, cs.key_prefix)
    else:
        counter = MemoryRateCounter()
    rates = PlanRates(
        state.container.database,
        state.settings.billing,
        state.container.clock,
        wall_clock=state.wall_clock,
    )
    return LimitsRuntime(counter, rates)


def runtime_of(state: ApiState) -> LimitsRuntime | None:
    """The running ``LimitsRuntime`` among the state's background services."""
    for service in state.background:
        if isinstance(service, LimitsRuntime):
            return service
    return None
