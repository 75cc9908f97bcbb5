"""Learning fixtures: a migrated database of each kind and a tiny trained model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.config.sections import DatabaseSettings
from simbiot.learning.training import TrainedModel, TrainingInput, TrainingSpec, train_model
from simbiot.storage.engine import create_engine, create_session_factory
from simbiot.storage.migrate import upgrade_async


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database of each kind."""
    url: str = request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_url"
    )
    return url


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a freshly migrated SQLite file or PostgreSQL database."""
    url = db_url
    await upgrade_async(url)
    engine = create_engine(url, DatabaseSettings(pool_size=2, max_overflow=2))
    yield create_session_factory(engine)
    await engine.dispose()


def _tiny_model(signal: float = 2.0, seed: int = 0) -> TrainedModel:
    """Train a small classifier on a synthetic signal of strength ``signal``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(800, 3))
    y = (rng.uniform(size=800) < 1 / (1 + np.exp(-signal * x[:, 0]))).astype(float)
    data = TrainingInput(("a", "b", "c"), x, y, np.arange(800, dtype=np.int64) // 2, 4)
    return train_model(data, TrainingSpec(n_estimators=15, folds=2, min_child_samples=20))


@pytest.fixture
def make_model() -> Callable[..., TrainedModel]:
    """Factory of small classifiers: ``make_model(signal=2.0, seed=0)``."""
    return _tiny_model
