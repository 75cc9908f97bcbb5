"""The evolution loop's decisions, with a real study (SQLite) and decisions in the database."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.analysis.xray.synthetic import random_market
from simbiot.config.sections import BacktestSettings, OptimizeSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.learning.evolution import EvolutionLoop, ProbationResult
from simbiot.optimize.storage import open_storage, sync_url
from simbiot.signals.registry import StrategyRegistry
from simbiot.storage.repositories import models as repo

FRAME = random_market(5, 1100, seed=5)
# A set that hardly trades: its Sharpe sits below any trading candidate.
CURRENT = {"fast": 12, "slow": 26, "adx_len": 14, "adx_min": 60.0}
SMALL = {
    "population": 6,
    "generations": 2,
    "train_bars": 300,
    "test_bars": 150,
    "folds": 2,
    "probation_bars": 200,
    "min_trades": 0.5,
}


class Paper:
    """Paper results chosen by the test: the candidate (not CURRENT) gets ``candidate``."""

    def __init__(self, candidate: float, current: float) -> None:
        self.values = (candidate, current)

    async def results(self, strategy: str, params: Mapping[str, Any]) -> ProbationResult | None:
        sharpe = self.values[1] if dict(params) == CURRENT else self.values[0]
        return ProbationResult(sharpe, 0.1, "paper")


def _loop(
    tmp_path: Path, sessions: async_sessionmaker[AsyncSession], paper: Paper | None, **kw: Any
) -> EvolutionLoop:
    strat = StrategyRegistry.with_builtins().get("trend_ema_adx")
    storage = open_storage(sync_url(None, tmp_path))
    settings = OptimizeSettings(**{**SMALL, **kw})
    clock = SimulatedClock(int(time.time() * 1000))
    return EvolutionLoop(strat, storage, sessions, settings, BacktestSettings(), clock, paper)


async def _decisions(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as s:
        return [r.action for r in await repo.list_decisions(s, subject="strategy:trend_ema_adx")]


async def test_candidate_not_good_enough_keeps_current(
    tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    d = await _loop(tmp_path, sessions, None, min_sharpe_gain=1_000.0).run(FRAME, CURRENT, "evo")
    assert d.action == "keep"
    assert d.params == CURRENT
    assert "needed" in d.reason
    assert await _decisions(sessions) == ["keep"]


async def test_paper_results_decide_promotion(
    tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    good = await _loop(tmp_path, sessions, Paper(2.0, 1.0), min_sharpe_gain=0.0).run(
        FRAME, CURRENT, "evo"
    )
    assert good.action == "promote"
    assert good.evidence["probation"]["source"] == "paper"
    assert good.params != CURRENT or good.params == good.evidence["candidate"]["params"]
    bad = await _loop(tmp_path, sessions, Paper(0.5, 1.0), min_sharpe_gain=0.0).run(
        FRAME, CURRENT, "evo"
    )
    assert bad.action == "probation_failed"
    assert bad.params == CURRENT
    assert await _decisions(sessions) == ["probation_failed", "promote"]


async def test_backtest_stands_in_without_paper_results(
    tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    d = await _loop(tmp_path, sessions, None, min_sharpe_gain=0.0).run(FRAME, CURRENT, "evo")
    assert d.action in {"promote", "probation_failed"}
    prob = d.evidence["probation"]
    assert prob["source"].startswith("backtest on the newest 200 unseen bars")
    if d.action == "promote":
        assert prob["candidate"]["sharpe"] >= prob["current"]["sharpe"]
    else:
        assert prob["candidate"]["sharpe"] < prob["current"]["sharpe"]


def test_too_short_history_is_refused(
    tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    loop = _loop(tmp_path, sessions, None, train_bars=5000)
    import asyncio

    with pytest.raises(ValueError, match="walk-forward"):
        asyncio.run(loop.run(FRAME, CURRENT, "evo"))
