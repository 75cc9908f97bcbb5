"""Small builders from the settings root to the learning and optimisation components.

Used by the CLI and the learner service; nothing here holds state between calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from simbiot.config import Settings
from simbiot.config.sections import LearningSettings, OptimizeSettings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetCache, DatasetSpec
from simbiot.learning.registry import ModelRegistry
from simbiot.learning.training import TrainingSpec
from simbiot.optimize.storage import sync_url
from simbiot.storage.engine import create_engine, create_session_factory
from simbiot.storage.migrate import upgrade_async

__all__ = [
    "dataset_cache",
    "dataset_spec",
    "learning_settings",
    "load_market",
    "open_registry",
    "optimize_settings",
    "study_url",
    "training_spec",
]


def learning_settings(settings: Settings) -> LearningSettings:
    """The ``learning`` section (its defaults while the root does not carry one)."""
    section = getattr(settings, "learning", None)
    return section if isinstance(section, LearningSettings) else LearningSettings()


def optimize_settings(settings: Settings) -> OptimizeSettings:
    """The ``optimize`` section (its defaults while the root does not carry one)."""
    section = getattr(settings, "optimize", None)
    return section if isinstance(section, OptimizeSettings) else OptimizeSettings()


def dataset_spec(ls: LearningSettings) -> DatasetSpec:
    """Labelling spec from the learning settings."""
    return DatasetSpec(ls.horizon, ls.barrier_width, ls.vol_window, ls.reference_symbol)


def training_spec(ls: LearningSettings) -> TrainingSpec:
    """LightGBM spec from the learning settings."""
    return TrainingSpec(
        n_estimators=ls.n_estimators,
        learning_rate=ls.learning_rate,
        num_leaves=ls.num_leaves,
        min_child_samples=ls.min_child_samples,
        folds=ls.cv_folds,
    )


def dataset_cache(settings: Settings) -> DatasetCache:
    """The prepared-dataset cache under the data directory."""
    return DatasetCache(settings.path(learning_settings(settings).datasets_dir))


def load_market(settings: Settings, symbols: Sequence[str] | None, window: int) -> MarketFrame:
    """Load the newest ``window`` candles of ``symbols`` (all when None) from the store."""
    store = ParquetCandleStore(
        settings.path(settings.data.candle_dir), settings.exchanges.default, settings.data.timeframe
    )
    return store.load_frame(symbols, window)


async def open_registry(settings: Settings) -> tuple[ModelRegistry, AsyncEngine]:
    """Migrate the database, then return the registry and its engine (dispose it after)."""
    url = settings.database_url
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
    await upgrade_async(url)
    engine = create_engine(url, settings.database)
    root = settings.path(learning_settings(settings).models_dir)
    return ModelRegistry(root, create_session_factory(engine)), engine


def study_url(settings: Settings) -> str:
    """Blocking-driver URL of the optuna study storage."""
    os_ = optimize_settings(settings)
    settings.path(Path(".")).mkdir(parents=True, exist_ok=True)
    return sync_url(os_.storage_url, settings.path(Path(".")))
