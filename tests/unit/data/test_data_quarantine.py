from __future__ import annotations

import pytest

from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.data.audit import MemoryQuarantineAudit
from simbiot.data.quarantine import Quarantine, QuarantineEntry, is_permanent_failure
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import BadSymbol, ExchangeUnavailable, NetworkError

DAY = 86_400.0
DAY_MS = 86_400_000


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(1_700_000_000_000)


@pytest.fixture
def audit() -> MemoryQuarantineAudit:
    return MemoryQuarantineAudit()


@pytest.fixture
def quarantine(clock: SimulatedClock, audit: MemoryQuarantineAudit) -> Quarantine:
    cache = MemoryCache(clock=clock)
    return Quarantine(cache, clock, DAY, 3, audit, exchange="mexc")


async def test_quarantined_after_threshold_in_a_row(
    quarantine: Quarantine, audit: MemoryQuarantineAudit, clock: SimulatedClock
) -> None:
    err = NetworkError("timeout")
    assert not await quarantine.record_failure("A/USDT", err)
    assert not await quarantine.record_failure("A/USDT", err)
    assert not await quarantine.is_quarantined("A/USDT")
    assert await quarantine.record_failure("A/USDT", err)
    assert await quarantine.is_quarantined("A/USDT")
    entry = (await quarantine.entries())["A/USDT"]
    assert entry.reason == "NetworkError: timeout"
    assert entry.failures == 3
    assert entry.until_ms == clock.now_ms() + 86_400_000
    assert audit.active[("mexc", "A/USDT")].reason == "NetworkError: timeout"


async def test_success_breaks_the_streak(quarantine: Quarantine) -> None:
    err = ExchangeUnavailable("503")
    await quarantine.record_failure("A/USDT", err)
    await quarantine.record_failure("A/USDT", err)
    await quarantine.record_successes(["A/USDT"])
    assert not await quarantine.record_failure("A/USDT", err)
    assert not await quarantine.record_failure("A/USDT", err)
    assert await quarantine.record_failure("A/USDT", err)


@pytest.mark.parametrize(
    "error",
    [
        BadSymbol("delisted"),
        ExchangeUnavailable("code 10007: symbol not support api"),
        "Symbol not support API",
    ],
)
async def test_permanent_failures_quarantine_at_once(
    quarantine: Quarantine, error: Exception | str
) -> None:
    assert is_permanent_failure(error)
    assert await quarantine.record_failure("AIMMT/USDT", error)
    assert await quarantine.available(["AIMMT/USDT", "BTC/USDT"]) == ["BTC/USDT"]


async def test_expiry_then_probe_and_release_of_audit(
    quarantine: Quarantine, audit: MemoryQuarantineAudit, clock: SimulatedClock
) -> None:
    await quarantine.record_failure("A/USDT", BadSymbol("gone"))
    clock.advance(DAY - 1)
    assert await quarantine.is_quarantined("A/USDT")
    clock.advance(2)
    # Expired: every consumer tries it again; the audit still shows it until it works.
    assert not await quarantine.is_quarantined("A/USDT")
    assert await quarantine.available(["A/USDT"]) == ["A/USDT"]
    assert ("mexc", "A/USDT") in audit.active
    await quarantine.record_successes(["A/USDT", "B/USDT"])
    assert ("mexc", "A/USDT") not in audit.active
    assert [kind for kind, _ in audit.history] == ["record", "clear"]
    # Probation is spent: a later success does not touch the audit again.
    await quarantine.record_successes(["A/USDT"])
    assert len(audit.history) == 2


async def test_failure_streak_expires_with_ttl(
    quarantine: Quarantine, clock: SimulatedClock
) -> None:
    await quarantine.record_failure("A/USDT", NetworkError("t"))
    await quarantine.record_failure("A/USDT", NetworkError("t"))
    clock.advance(DAY + 1)
    assert not await quarantine.record_failure("A/USDT", NetworkError("t"))


async def test_manual_release(quarantine: Quarantine, audit: MemoryQuarantineAudit) -> None:
    await quarantine.quarantine("A/USDT", "operator")
    assert await quarantine.release("A/USDT")
    assert not await quarantine.is_quarantined("A/USDT")
    assert not audit.active
    assert not await quarantine.release("A/USDT")


async def test_entries_skip_counters_and_survive_bad_records(
    quarantine: Quarantine, clock: SimulatedClock
) -> None:
    cache = MemoryCache(clock=clock)
    q = Quarantine(cache, clock, DAY, 3, MemoryQuarantineAudit(), exchange="mexc")
    await q.record_failure("A/USDT", NetworkError("t"))  # a counter only
    await q.quarantine("B/USDT:USDT", "bad")
    await cache.set(CacheKeys.symbol_problem("mexc", "C/USDT"), b"{not json", DAY)
    entries = await q.entries()
    assert sorted(entries) == ["B/USDT:USDT", "C/USDT"]
    assert entries["C/USDT"].reason == "unreadable record"
    assert await q.available([]) == []


def test_constructor_validates(clock: SimulatedClock) -> None:
    cache = MemoryCache(clock=clock)
    with pytest.raises(ValueError, match="threshold"):
        Quarantine(cache, clock, DAY, 0, MemoryQuarantineAudit(), exchange="mexc")
    with pytest.raises(ValueError, match="ttl_s"):
        Quarantine(cache, clock, 0, 3, MemoryQuarantineAudit(), exchange="mexc")


async def test_restore_from_audit_skips_expired(clock: SimulatedClock) -> None:
    cache = MemoryCache(clock=clock)
    audit = MemoryQuarantineAudit()
    q = Quarantine(cache, clock, DAY, 3, audit, exchange="mexc")
    now = clock.now_ms()
    restored = await q.restore(
        [
            QuarantineEntry("A/USDT", "timeouts", now - 1000, now + 60_000, 3),
            QuarantineEntry("B/USDT", "old", now - DAY_MS, now - 1, 3),
        ]
    )
    assert restored == 1
    assert await q.available(["A/USDT", "B/USDT"]) == ["B/USDT"]
    assert audit.history == []  # restoring is not a new decision
    clock.advance(61)
    assert not await q.is_quarantined("A/USDT")
    await q.record_successes(["A/USDT"])
    assert [kind for kind, _ in audit.history] == []  # audit.clear called; nothing active here
