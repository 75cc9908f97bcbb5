from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simbiot.cache.memory import MemoryCache
from simbiot.config.sections import DatabaseSettings
from simbiot.data.audit_db import DatabaseQuarantineAudit
from simbiot.data.quarantine import Quarantine
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import BadSymbol
from simbiot.storage.engine import create_engine, create_session_factory
from simbiot.storage.migrate import upgrade_async
from simbiot.storage.repositories import symbol_problems


@pytest.fixture(params=["postgres", "sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    fixture = "postgres_url" if request.param == "postgres" else "sqlite_url"
    return str(request.getfixturevalue(fixture))


async def test_quarantine_audited_in_database(database_url: str) -> None:
    settings = DatabaseSettings(url=database_url)
    await upgrade_async(database_url, settings=settings)
    engine = create_engine(database_url, settings)
    try:
        sessions = create_session_factory(engine)
        clock = SimulatedClock(1_700_000_000_000)
        audit = DatabaseQuarantineAudit(sessions, clock)
        q = Quarantine(MemoryCache(clock=clock), clock, 3600, 3, audit, exchange="mexc")
        await q.record_failure("AIMMT/USDT", BadSymbol("symbol not support api"))
        async with sessions() as s:
            rows = await symbol_problems.list_active(s, now=clock.now(), exchange="mexc")
        assert [(r.symbol, r.failures) for r in rows] == [("AIMMT/USDT", 3)]
        assert rows[0].reason.startswith("BadSymbol: symbol not support api")
        expires = rows[0].expires_at
        expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        assert expires == datetime.fromtimestamp((1_700_000_000_000 + 3_600_000) / 1000, tz=UTC)
        active = await audit.active("mexc")
        assert [(e.symbol, e.until_ms) for e in active] == [("AIMMT/USDT", 1_700_003_600_000)]
        clock.advance(60)
        assert await q.release("AIMMT/USDT")
        async with sessions() as s:
            assert list(await symbol_problems.list_active(s, now=clock.now())) == []
    finally:
        await engine.dispose()
