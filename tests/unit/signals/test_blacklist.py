from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from blacklist_cases import CASES, SETTINGS

from simbiot.cache.memory import MemoryCache
from simbiot.cache.store import CacheStore
from simbiot.domain.clock import SimulatedClock
from simbiot.signals.blacklist import Blacklist, BlacklistScorer

Case = Callable[[CacheStore, SimulatedClock], Awaitable[None]]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
async def test_blacklist_on_memory_cache(case: Case) -> None:
    clock = SimulatedClock(1_700_000_000_000)
    await case(CacheStore(MemoryCache(clock=clock)), clock)


async def test_bad_ttl_is_refused() -> None:
    bl = Blacklist(CacheStore(MemoryCache()), SimulatedClock(), SETTINGS)
    with pytest.raises(ValueError, match="ttl_s"):
        await bl.add("X", "r", ttl_s=0)


def test_scorer_protocol_is_runtime_checkable() -> None:
    from blacklist_cases import FixedScorer

    assert isinstance(FixedScorer({}), BlacklistScorer)
