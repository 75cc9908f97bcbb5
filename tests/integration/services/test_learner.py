"""The learner end to end on real small models: bootstrap, quiet, schedule, live outcomes,
errors, and its life beside a service."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.analysis.xray.synthetic import random_market
from simbiot.config import load_settings
from simbiot.config.sections import DatabaseSettings, LearningSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetCache, DatasetSpec
from simbiot.learning.outcomes import EntryPrediction, record_entries
from simbiot.learning.registry import ModelRegistry
from simbiot.learning.training import BackgroundTrainer, TrainingSpec
from simbiot.services import learner as learner_module
from simbiot.services.container import Container
from simbiot.services.learner import Learner, learner_running
from simbiot.services.runtime import ShutdownSignal
from simbiot.storage.engine import create_engine, create_session_factory
from simbiot.storage.migrate import upgrade_async
from simbiot.storage.repositories import bots, positions, strategies, users
from simbiot.storage.repositories import models as repo

SPEC = DatasetSpec(horizon=6, vol_window=24, reference_symbol=None)
TRAINING = TrainingSpec(n_estimators=20, folds=2, min_child_samples=20)
SETTINGS = LearningSettings(
    horizon=6, vol_window=24, reference_symbol=None, holdout_bars=150, min_live_rows=2,
    max_psi=1_000.0, retrain_every_s=7 * 86_400, learner_interval_s=1.0,
)  # fmt: skip
DAY = 86_400.0


@pytest.fixture(scope="module")
def market() -> MarketFrame:
    return random_market(8, 700, seed=11, late_listing_share=0.0)


@pytest.fixture(scope="module")
def trainer() -> Iterator[BackgroundTrainer]:
    t = BackgroundTrainer()
    yield t
    t.close(wait=False)


@pytest.fixture
async def sessions(sqlite_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade_async(sqlite_url)
    engine = create_engine(sqlite_url, DatabaseSettings())
    yield create_session_factory(engine)
    await engine.dispose()


def _learner(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, market: MarketFrame,
    trainer: BackgroundTrainer, settings: LearningSettings = SETTINGS,
) -> tuple[Learner, SimulatedClock, ModelRegistry]:  # fmt: skip
    clock = SimulatedClock(int(time.time() * 1000))
    registry = ModelRegistry(tmp_path / "models", sessions)
    learner = Learner(
        registry=registry, sessions=sessions, settings=settings, spec=SPEC, training=TRAINING,
        load_frame=lambda: market, cache=DatasetCache(tmp_path / "datasets"), trainer=trainer,
        clock=clock,
    )  # fmt: skip
    return learner, clock, registry


@pytest.mark.slow
async def test_bootstrap_quiet_then_schedule(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, market: MarketFrame,
    trainer: BackgroundTrainer,
) -> None:  # fmt: skip
    learner, clock, registry = _learner(sessions, tmp_path, market, trainer)
    first = await learner.cycle()
    assert first.errors == {}
    assert {n: v.action for n, v in first.verdicts.items()} == {
        "trend": "bootstrap", "potential": "bootstrap", "volatility": "bootstrap",
    }  # fmt: skip
    kinds = {n: (await registry.get(n)).kind for n in ("trend", "potential", "volatility")}
    assert kinds == {"trend": "classifier", "potential": "regressor", "volatility": "regressor"}
    clock.advance(DAY)
    quiet = await learner.cycle()
    assert {v.action for v in quiet.verdicts.values()} == {"none"}
    clock.advance(8 * DAY)
    old = await learner.cycle()
    for name, verdict in old.verdicts.items():
        assert verdict.action in {"keep", "promote"}, (name, verdict)
        assert verdict.reason.startswith("schedule")
        metric = "auc" if name == "trend" else "ic"
        assert verdict.evidence["metric"] == metric
        assert f"challenger_{metric}" in verdict.evidence
    async with sessions() as s:
        rows = await repo.list_decisions(s, subject="model:volatility")
    assert [r.action for r in rows][-2:] == ["none", "bootstrap"]


@pytest.mark.slow
async def test_trades_of_the_champion_reach_the_manager(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, market: MarketFrame,
    trainer: BackgroundTrainer,
) -> None:  # fmt: skip
    settings = SETTINGS.model_copy(update={"learner_models": ("trend",)})
    learner, clock, registry = _learner(sessions, tmp_path, market, trainer, settings)
    await learner.cycle()
    champion = await registry.get("trend")
    width = len(champion.features)
    entries = [EntryPrediction(s, 0.6, (0.0,) * width, 0, True) for s in market.symbols[:3]]
    await record_entries(sessions, "trend", champion.version, entries, clock.now())
    async with sessions() as s, s.begin():
        user = await users.create(s, email="l@example.com", password_hash="!x")
        st = await strategies.create(s, user_id=user.id, name="t", kind="builtin", definition={})
        bot = await bots.create(s, user_id=user.id, strategy_id=st.id, name="t")
        for i, symbol in enumerate(market.symbols[:3]):
            row = await positions.open_position(
                s, user_id=user.id, bot_id=bot.id, exchange="mexc", symbol=symbol,
                side="long", amount=Decimal(1), entry_price=Decimal(10),
            )  # fmt: skip
            await positions.close(
                s, user_id=user.id, position_id=row.id, expected_version=row.version,
                realized_pnl=Decimal(1 if i else -1),
            )  # fmt: skip
    clock.advance(DAY)
    report = await learner.cycle()
    verdict = report.verdicts["trend"]
    assert verdict.evidence["live_rows"] == 3
    quality = verdict.evidence["quality"]
    assert quality["rows"] == 3
    assert quality["live_hit_rate"] == pytest.approx(2 / 3)


async def test_failures_are_recorded_and_the_learner_goes_on(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, market: MarketFrame,
    trainer: BackgroundTrainer,
) -> None:  # fmt: skip
    settings = SETTINGS.model_copy(
        update={"learner_models": ("trend", "potential"), "holdout_bars": 10_000}
    )
    learner, _, _ = _learner(sessions, tmp_path, market, trainer, settings)
    report = await learner.cycle()
    assert report.verdicts == {}
    assert set(report.errors) == {"trend", "potential"}
    assert "holdout" in report.errors["trend"]

    def broken() -> MarketFrame:
        raise OSError("disk gone")

    learner._load = broken
    report = await learner.cycle()
    assert "disk gone" in report.errors["potential"]
    async with sessions() as s:
        rows = await repo.list_decisions(s, subject="model:trend")
    assert [r.action for r in rows] == ["error", "error"]
    assert "disk gone" in rows[0].reason
    assert learner.cycles == 2


async def test_run_stops_after_its_cycles_or_on_shutdown(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, market: MarketFrame,
    trainer: BackgroundTrainer,
) -> None:  # fmt: skip
    settings = SETTINGS.model_copy(update={"learner_models": ("trend",), "holdout_bars": 10_000})
    learner, _, _ = _learner(sessions, tmp_path, market, trainer, settings)
    stopped = ShutdownSignal()
    stopped.request("test")
    assert await learner.run(stopped) == 0
    report = await learner.cycle(stopped)  # a requested stop skips the remaining models
    assert (report.verdicts, report.errors) == ({}, {})
    assert await learner.run(ShutdownSignal(), cycles=2) == 2
    assert learner.cycles == 3


async def test_learner_runs_beside_a_service_only_when_enabled(tmp_path: Path) -> None:
    for enabled in (False, True):
        settings = load_settings(
            env_file=None,
            app={"data_dir": str(tmp_path / str(enabled))},
            learning={"learner_enabled": enabled, "learner_models": ["trend"]},
        )
        shutdown = ShutdownSignal()
        async with Container(settings) as c, learner_running(c, shutdown):
            names = {t.get_name() for t in asyncio.all_tasks()}
            assert ("learner" in names) is enabled
            if enabled:  # an empty candle store: the cycle fails, is recorded, trading goes on
                for _ in range(100):
                    async with c.database.sessions() as s:
                        rows = await repo.list_decisions(s, subject="model:trend")
                    if rows:
                        break
                    await asyncio.sleep(0.1)
                assert rows
                assert rows[0].action == "error"
        assert "learner" not in {t.get_name() for t in asyncio.all_tasks()}


async def test_a_crashing_learner_leaves_the_service_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Crashing:
        async def run(self, shutdown: ShutdownSignal) -> int:
            raise RuntimeError("learner bug")

    monkeypatch.setattr(learner_module, "build_learner", lambda c, t: Crashing())
    settings = load_settings(env_file=None, app={"data_dir": str(tmp_path)})
    async with Container(settings) as c, learner_running(c, ShutdownSignal()):
        for _ in range(50):
            await asyncio.sleep(0.02)
            if "learner stopped" in caplog.text:
                break
    assert "learner stopped; trading goes on without retraining" in caplog.text
