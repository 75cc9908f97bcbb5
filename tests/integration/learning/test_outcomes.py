"""Live outcomes: closed positions matched to the entry predictions recorded before them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.learning.outcomes import (
    EntryPrediction,
    entry_subject,
    live_outcomes,
    record_entries,
)
from simbiot.storage.repositories import bots, positions, strategies, users
from simbiot.storage.repositories import models as repo

TS = datetime(2026, 1, 1, tzinfo=UTC)


async def _bot(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as s, s.begin():
        user = await users.create(s, email="o@example.com", password_hash="!x")
        strat = await strategies.create(
            s, user_id=user.id, name="t", kind="builtin", definition={"strategy": "t"}
        )
        bot = await bots.create(s, user_id=user.id, strategy_id=strat.id, name="t")
        return user.id, bot.id


async def _trade(
    sessions: async_sessionmaker[AsyncSession], user: int, bot: int | None, symbol: str,
    pnl: str | None,
) -> int:  # fmt: skip
    """Open a position and close it with ``pnl`` (left open when None); return its id."""
    async with sessions() as s, s.begin():
        row = await positions.open_position(
            s, user_id=user, bot_id=bot, exchange="mexc", symbol=symbol, side="long",
            amount=Decimal(1), entry_price=Decimal(10),
        )  # fmt: skip
        if pnl is not None:
            await positions.close(
                s, user_id=user, position_id=row.id, expected_version=row.version,
                realized_pnl=Decimal(pnl),
            )  # fmt: skip
        return row.id


def _entry(symbol: str, p: float, kept: bool = True) -> EntryPrediction:
    return EntryPrediction(symbol, p, (p, None, 1.0), 1_000, kept)


async def test_closed_positions_become_outcomes_of_their_entry(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    user, bot = await _bot(sessions)
    assert await record_entries(sessions, "trend", 3, [_entry("A", 0.7), _entry("B", 0.4)], TS)
    await _trade(sessions, user, bot, "A", "5")
    await _trade(sessions, user, bot, "B", "-2")
    await _trade(sessions, user, bot, "A", None)  # still open: no outcome yet
    await _trade(sessions, user, None, "B", "3")  # opened by hand: no prediction behind it
    await _trade(sessions, user, bot, "C", "1")  # no entry recorded for C
    live = await live_outcomes(sessions, "trend", 3, 3)
    np.testing.assert_allclose(live.p, [0.7, 0.4])
    np.testing.assert_allclose(live.y, [1.0, 0.0])
    assert live.x.shape == (2, 3)
    assert np.isnan(live.x[0, 1])
    assert live.x[0, 0] == 0.7


async def test_only_the_asked_version_counts_and_newer_entries_win(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    user, bot = await _bot(sessions)
    await record_entries(sessions, "trend", 1, [_entry("A", 0.9)], TS)
    first = await _trade(sessions, user, bot, "A", "1")
    await record_entries(sessions, "trend", 2, [_entry("A", 0.2)], TS)
    await _trade(sessions, user, bot, "A", "-1")
    v1 = await live_outcomes(sessions, "trend", 1, 3)
    v2 = await live_outcomes(sessions, "trend", 2, 3)
    # The second trade followed version 2's prediction: never credited to version 1.
    np.testing.assert_allclose(v1.p, [0.9])
    np.testing.assert_allclose(v2.p, [0.2])
    np.testing.assert_allclose(v2.y, [0.0])
    assert first > 0


async def test_dropped_and_malformed_records_and_no_entries(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    user, bot = await _bot(sessions)
    recent = np.ones((5, 3))
    empty = await live_outcomes(sessions, "trend", 1, 3, recent=recent)
    assert len(empty.y) == 0
    assert empty.drift_rows is recent
    assert await record_entries(sessions, "trend", 1, [], TS) == 0
    await record_entries(sessions, "trend", 1, [_entry("A", 0.1, kept=False)], TS)
    async with sessions() as s, s.begin():
        await repo.record_decision(
            s, subject=entry_subject("trend"), action="keep", reason="bad",
            evidence={"symbol": "A", "p": "x"}, ts=TS,
        )  # fmt: skip
    await _trade(sessions, user, bot, "A", "4")
    live = await live_outcomes(sessions, "trend", 1, 3)
    assert len(live.y) == 0  # a dropped entry opens nothing, a malformed one says nothing
    wrong_width = await live_outcomes(sessions, "trend", 1, 5)
    assert wrong_width.x.shape == (0, 5)
