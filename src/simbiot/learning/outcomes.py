"""Live outcomes of the entry model: what it predicted at entry, how the trade ended.

When the entry filter vets a cycle's entries it records, per symbol, the champion's
probability, its version, the feature row it read and the newest position id at that
moment (``learning_decisions``, subject ``entry:<model>``). A position opened by that
cycle's orders gets a larger id, so a closed position is matched to the newest recorded
entry of its symbol whose ``after_position`` is below the position's id: no clock is
compared, so venue time, simulated time and wall time cannot disagree. The outcome is 1
when the position closed with a profit, 0 otherwise; paired with the probability it gives
the live hit rate and calibration the retraining manager watches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.learning.retraining import LiveOutcomes
from simbiot.storage.repositories import models as repo
from simbiot.storage.repositories import positions

__all__ = ["EntryPrediction", "entry_subject", "live_outcomes", "record_entries"]


def entry_subject(model: str) -> str:
    """Decision subject under which entries vetted by ``model`` are recorded."""
    return f"entry:{model}"


@dataclass(frozen=True, slots=True)
class EntryPrediction:
    """The model's view of one entry signal when it was vetted."""

    symbol: str
    probability: float
    features: tuple[float | None, ...]  # the model's feature row (None where unknown)
    bar_ts: int
    kept: bool


async def record_entries(
    sessions: async_sessionmaker[AsyncSession],
    model: str,
    version: int,
    entries: Sequence[EntryPrediction],
    ts: datetime,
) -> int:
    """Record vetted entries (one per symbol) with the newest position id; return how many."""
    if not entries:
        return 0
    async with sessions() as session, session.begin():
        after = await positions.last_id(session)
        for e in entries:
            await repo.record_decision(
                session,
                subject=entry_subject(model),
                action="keep" if e.kept else "drop",
                reason=f"p={e.probability:.4f} from {model} v{version}",
                evidence={
                    "symbol": e.symbol,
                    "p": e.probability,
                    "version": version,
                    "bar_ts": e.bar_ts,
                    "after_position": after,
                    "x": list(e.features),
                },
                ts=ts,
            )
    return len(entries)


@dataclass(frozen=True, slots=True)
class _Entry:
    after: int
    version: int
    p: float
    x: list[float]


def _entries(rows: Sequence[Any]) -> dict[str, list[_Entry]]:
    """Kept entries of every version per symbol, oldest first.

    Every version takes part in the matching, so a position entered on another version's
    prediction is never credited to an older record of the version asked for.
    """
    out: dict[str, list[_Entry]] = {}
    for row in reversed(rows):  # newest first from the repository
        ev = row.evidence
        if row.action != "keep":
            continue
        try:
            x = [np.nan if v is None else float(v) for v in ev["x"]]
            entry = _Entry(int(ev["after_position"]), int(ev["version"]), float(ev["p"]), x)
            symbol = str(ev["symbol"])
        except (KeyError, TypeError, ValueError):
            continue  # a malformed record says nothing about the model
        out.setdefault(symbol, []).append(entry)
    return out


def _match(entries: list[_Entry], position_id: int) -> _Entry | None:
    """The newest entry recorded before the position was opened."""
    found = None
    for e in entries:
        if e.after < position_id:
            found = e
        else:
            break
    return found


async def live_outcomes(
    sessions: async_sessionmaker[AsyncSession],
    model: str,
    version: int,
    features: int,
    *,
    limit: int = 5_000,
    recent: np.ndarray[Any, np.dtype[np.float64]] | None = None,
) -> LiveOutcomes:
    """Outcomes of the closed positions entered on ``version``'s predictions (newest
    ``limit`` recorded entries); ``recent`` market rows are passed on for drift."""
    async with sessions() as session:
        rows = await repo.list_decisions(session, subject=entry_subject(model), limit=limit)
        by_symbol = _entries(rows)
        if not by_symbol:
            return LiveOutcomes.empty(features, recent)
        first = min(e.after for es in by_symbol.values() for e in es)
        closed = await positions.list_closed_after(session, after_id=first, limit=limit)
    p: list[float] = []
    y: list[float] = []
    x: list[list[float]] = []
    for pos in closed:
        entry = _match(by_symbol.get(pos.symbol, []), pos.id)
        if entry is None or entry.version != version or len(entry.x) != features:
            continue
        p.append(entry.p)
        y.append(1.0 if pos.realized_pnl > 0 else 0.0)
        x.append(entry.x)
    if not p:
        return LiveOutcomes.empty(features, recent)
    return LiveOutcomes(
        np.asarray(p, dtype=np.float64),
        np.asarray(y, dtype=np.float64),
        np.asarray(x, dtype=np.float64).reshape(len(p), features),
        recent,
    )
