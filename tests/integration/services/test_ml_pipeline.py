"""Champion models in the running pipeline: X-ray detectors, blacklist, filter and risk
multipliers, each falling back to the rule-based behaviour without a champion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text

from simbiot.analysis.detectors import TrendDetector
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.analysis.xray.synthetic import random_market
from simbiot.cache.store import CacheStore
from simbiot.cache.ttl import TTLPolicy
from simbiot.config import Settings, load_settings
from simbiot.domain.errors import DataError, StorageError
from simbiot.domain.frame import MarketFrame
from simbiot.execution.accounts import MarketContext
from simbiot.learning.datasets import DatasetSpec, build_dataset, feature_block
from simbiot.learning.inference import feature_rows
from simbiot.learning.registry import ModelRegistry
from simbiot.learning.training import (
    LoadedModel,
    TrainedModel,
    TrainingInput,
    TrainingSpec,
    train_model,
)
from simbiot.services.container import Container
from simbiot.services.ml_models import ChampionSet
from simbiot.services.ml_trading import ModelTrading
from simbiot.signals import Blacklist, Side, Signal
from simbiot.storage.repositories import models as repo

SPEC = DatasetSpec(horizon=6, vol_window=24, reference_symbol=None)


def _settings(tmp_path: Path, **learning: Any) -> Settings:
    return load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        learning={"horizon": 6, "vol_window": 24, "reference_symbol": None, **learning},
        signals={"scorer_threshold": 0.01},
    )


@pytest.fixture(scope="module")
def market() -> MarketFrame:
    return random_market(8, 700, seed=11, late_listing_share=0.0)


@pytest.fixture(scope="module")
def models(market: MarketFrame) -> dict[str, TrainedModel]:
    data = build_dataset(market, SPEC)
    out = {}
    for name, kind, target in (
        ("trend", "classifier", "class"),
        ("potential", "regressor", "return"),
        ("volatility", "regressor", "volatility"),
    ):
        d = data.labelled(target)
        out[name] = train_model(
            TrainingInput(d.names, d.x, d.target(target), d.t, d.horizon),
            TrainingSpec(kind=kind, n_estimators=20, folds=2, min_child_samples=20),  # type: ignore[arg-type]
        )
    return out


def _entries(frame: MarketFrame) -> list[Signal]:
    out = [Signal("cfg", s, Side.ENTRY_LONG, 0.8, "entry", 1) for s in frame.symbols]
    return [*out, Signal("cfg", frame.symbols[0], Side.EXIT_LONG, 0.9, "exit", 1)]


async def _register(c: Container, models: dict[str, TrainedModel]) -> None:
    ls = c.settings.learning
    registry = ModelRegistry(c.settings.path(ls.models_dir), c.database.sessions)
    for name, trained in models.items():
        await registry.register(name, trained, data_hash="h", status="champion")


async def test_without_champions_the_rules_decide(tmp_path: Path, market: MarketFrame) -> None:
    async with Container(_settings(tmp_path)) as c:
        result = c.xray_engine.analyse(market)
        rule = TrendDetector(c.settings.analysis).detect(
            result.frame, IndicatorBank(result.frame), None
        )
        trend = result.detections["trend"]
        assert trend.labels == rule.labels
        np.testing.assert_array_equal(trend.label, rule.label)
        np.testing.assert_allclose(trend.score, rule.score)
        assert not result.detections["potential"].score.any()
        signals = _entries(result.frame)
        ctx = MarketContext("mexc", "sideways", {}, {})
        kept, ctx2, dropped = await ModelTrading(c).apply(result, signals, ctx)
        assert (kept, ctx2, dropped) == (signals, ctx, 0)
        async with c.database.sessions() as s:
            assert await repo.list_decisions(s, subject="entry:trend") == []


async def test_champions_drive_detectors_blacklist_filter_and_risk(
    tmp_path: Path, market: MarketFrame, models: dict[str, TrainedModel]
) -> None:
    async with Container(_settings(tmp_path, filter_threshold=0.999, filter_relative=False)) as c:
        await _register(c, models)
        assert await c.ml_predictor.champions.refresh() == {
            "trend": 1, "potential": 1, "volatility": 1,
        }  # fmt: skip
        result = c.xray_engine.analyse(market)
        assert result.anomaly is not None
        assert result.anomaly.names[-1] == "joint"  # the isolation forest is trained
        frame = result.frame
        trend_model = models["trend"]
        loaded = LoadedModel("classifier", trend_model.names, trend_model.booster)
        p = loaded.predict(feature_rows(feature_block(frame, SPEC), trend_model.names))
        trend = result.detections["trend"]
        assert trend.labels == ("neutral", "up", "down")
        np.testing.assert_allclose(trend.score, 2 * p - 1)
        potential = result.detections["potential"]
        high = potential.flags["high_potential"]
        assert 1 <= high.sum() <= max(1, round(0.1 * frame.shape[0]) + 1)
        assert (potential.score[high] > potential.score[~high].max()).all()

        signals = _entries(frame)
        ctx = MarketContext("mexc", "sideways", {}, {})
        kept, ctx2, dropped = await ModelTrading(c).apply(result, signals, ctx)
        # No tiny model is 99.9 % sure of anything: every entry goes, the exit stays.
        assert dropped == frame.shape[0]
        assert [s.side for s in kept] == [Side.EXIT_LONG]
        ls = c.settings.learning
        assert set(ctx2.size_scale) == set(frame.symbols)
        assert all(ls.size_floor <= v <= ls.size_cap for v in ctx2.size_scale.values())
        assert ctx2.stop_scale
        assert all(ls.stop_low <= v <= ls.stop_high for v in ctx2.stop_scale.values())
        async with c.database.sessions() as s:
            rows = await repo.list_decisions(s, subject="entry:trend")
        assert {r.evidence["symbol"] for r in rows} == set(frame.symbols)
        assert all(
            r.action == "drop" and len(r.evidence["x"]) == len(trend_model.names) for r in rows
        )
        blacklist = Blacklist(CacheStore(c.cache, TTLPolicy(c.settings.cache.ttl)), c.clock)
        blocked = await blacklist.is_blocked(None, list(frame.symbols))
        assert all(blocked.values())  # scorer_threshold 0.01: every loss probability blocks


async def test_a_model_that_cannot_predict_falls_back(tmp_path: Path, market: MarketFrame) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] > 0).astype(float)
    alien = train_model(
        TrainingInput(("no_such", "feature"), x, y, np.arange(400, dtype=np.int64), 2),
        TrainingSpec(n_estimators=5, folds=2, min_child_samples=10),
    )
    async with Container(_settings(tmp_path)) as c:
        await _register(c, {"trend": alien})
        await c.ml_predictor.champions.refresh()
        result = c.xray_engine.analyse(market)
        assert result.detections["trend"].labels == ("flat", "up", "down")  # the rule
        signals = _entries(result.frame)
        ctx = MarketContext("mexc", "sideways", {}, {})
        kept, ctx2, dropped = await ModelTrading(c).apply(result, signals, ctx)
        assert (kept, ctx2, dropped) == (signals, ctx, 0)


async def test_switched_off_models_and_an_unreadable_registry(
    tmp_path: Path, market: MarketFrame, models: dict[str, TrainedModel]
) -> None:
    async with Container(_settings(tmp_path, models_in_pipeline=False)) as c:
        await _register(c, models)
        result = c.xray_engine.analyse(market)
        assert "potential" not in result.detections
        assert result.anomaly is not None
        assert "joint" not in result.anomaly.names
        signals = _entries(result.frame)
        ctx = MarketContext("mexc", "sideways", {}, {})
        kept, ctx2, dropped = await ModelTrading(c).apply(result, signals, ctx)
        assert ctx2 is ctx  # no size or stop multipliers
        assert len(kept) + dropped == len(signals)
        async with c.database.sessions() as s:  # the entry filter (S1) still vets
            vetted = await repo.list_decisions(s, subject="entry:trend")
        assert {r.evidence["symbol"] for r in vetted} == set(result.frame.symbols)
        blacklist = Blacklist(CacheStore(c.cache, TTLPolicy(c.settings.cache.ttl)), c.clock)
        assert await blacklist.entries() == []  # no model blacklisting
        champions = ChampionSet(ModelRegistry(tmp_path / "models", c.database.sessions), ["trend"])
        assert await champions.refresh() == {"trend": 1}
        async with c.database.sessions() as s, s.begin():  # the registry becomes unreadable
            await s.execute(text("DROP TABLE model_versions"))
        assert await champions.refresh() == {"trend": 1}  # what is loaded stays in use
        assert champions.get("trend") is not None


async def test_model_faults_never_stop_trading(
    tmp_path: Path,
    market: MarketFrame,
    models: dict[str, TrainedModel],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with Container(_settings(tmp_path)) as c:
        await _register(c, models)
        await c.ml_predictor.champions.refresh()
        result = c.xray_engine.analyse(market)
        signals = _entries(result.frame)
        ctx = MarketContext("mexc", "sideways", {}, {})
        trading = ModelTrading(c)

        async def cache_down(batch: object) -> list[object]:
            raise StorageError("cache unreachable")

        # The blacklist cannot be written: entries are still vetted and sized.
        monkeypatch.setattr(trading._blacklist, "update", cache_down)
        async with c.database.sessions() as s, s.begin():
            await s.execute(text("DROP TABLE learning_decisions"))
        # ...and the vetted entries cannot be recorded: trading goes on regardless.
        kept, ctx2, dropped = await trading.apply(result, signals, ctx)
        assert len(kept) + dropped == len(signals)
        assert ctx2.size_scale
        assert dropped > 0 or any(s.side.is_entry for s in kept)

        def broken(frame: MarketFrame) -> None:
            raise DataError("features unavailable")

        monkeypatch.setattr(c.ml_predictor, "batch", broken)
        assert await trading.apply(result, signals, ctx) == (signals, ctx, 0)
