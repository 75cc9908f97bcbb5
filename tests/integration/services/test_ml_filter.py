"""The champion model vets entries in the running cycle; without one nothing changes."""

from __future__ import annotations

from pathlib import Path

from simbiot.analysis.xray.synthetic import random_market
from simbiot.config import load_settings
from simbiot.learning.builders import dataset_spec
from simbiot.learning.datasets import build_dataset
from simbiot.learning.registry import ModelRegistry
from simbiot.learning.training import TrainingInput, TrainingSpec, train_model
from simbiot.services.container import Container
from simbiot.services.ml_filter import ChampionFilter
from simbiot.signals import Side, Signal


def _signals(symbols: tuple[str, ...]) -> list[Signal]:
    out = []
    for s in symbols:
        out.append(Signal("cfg", s, Side.ENTRY_LONG, 0.8, "entry", 1))
        out.append(Signal("cfg", s, Side.EXIT_LONG, 0.9, "exit", 1))
    return out


async def test_no_champion_means_no_filtering(tmp_path: Path) -> None:
    settings = load_settings(env_file=None, app={"data_dir": str(tmp_path)})
    frame = random_market(6, 300, seed=3)
    async with Container(settings) as c:
        signals = _signals(frame.symbols)
        kept, dropped = await ChampionFilter(c).apply(frame, signals)
    assert (kept, dropped) == (signals, 0)


async def test_champion_drops_entries_below_the_threshold_and_keeps_exits(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        learning={
            "horizon": 6,
            "vol_window": 24,
            "reference_symbol": None,
            "filter_threshold": 0.999,
            "filter_relative": False,
        },
    )
    frame = random_market(8, 700, seed=11)
    data = build_dataset(frame, dataset_spec(settings.learning))
    model = train_model(
        TrainingInput(data.names, data.x, data.y_class, data.t, data.horizon),
        TrainingSpec(n_estimators=20, folds=2, min_child_samples=20),
    )
    async with Container(settings) as c:
        registry = ModelRegistry(settings.path(settings.learning.models_dir), c.database.sessions)
        await registry.register("trend", model, data_hash="x", status="champion")
        signals = _signals(frame.symbols)
        kept, dropped = await ChampionFilter(c).apply(frame, signals)
    # No tiny model is 99.9 % sure of anything: every entry goes, every exit stays.
    assert dropped == len(frame.symbols)
    assert all(s.side is Side.EXIT_LONG for s in kept)
    assert len(kept) == len(frame.symbols)


async def test_relative_filter_keeps_entries_at_or_above_the_base_rate(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        learning={"horizon": 6, "vol_window": 24, "reference_symbol": None},
    )
    frame = random_market(8, 700, seed=11)
    data = build_dataset(frame, dataset_spec(settings.learning))
    model = train_model(
        TrainingInput(data.names, data.x, data.y_class, data.t, data.horizon),
        TrainingSpec(n_estimators=20, folds=2, min_child_samples=20),
    )
    base_rate = model.metrics["oos"]["base_rate"]
    async with Container(settings) as c:
        registry = ModelRegistry(settings.path(settings.learning.models_dir), c.database.sessions)
        await registry.register("trend", model, data_hash="x", status="champion")
        signals = _signals(frame.symbols)
        flt = ChampionFilter(c)
        kept, dropped = await flt.apply(frame, signals)
        batch = c.ml_predictor.batch(frame)
    assert batch is not None
    assert flt.threshold(batch) == base_rate
    p = batch.get("trend")
    assert p is not None
    wanted = {s for s, v in p.as_dict().items() if v >= base_rate}
    assert {s.symbol for s in kept if s.side is Side.ENTRY_LONG} == wanted
    assert dropped == len(frame.symbols) - len(wanted)
