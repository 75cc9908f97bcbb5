"""Predictions cached in the real Redis: one batch per frame, shared by every reader."""

from __future__ import annotations

import numpy as np

from simbiot.analysis.xray.synthetic import random_market
from simbiot.cache.keys import CacheKeys
from simbiot.cache.redis import RedisCache
from simbiot.learning.datasets import DatasetSpec, build_dataset
from simbiot.learning.inference import Predictions, Predictor
from simbiot.learning.training import LoadedModel, TrainingInput, TrainingSpec, train_model


async def test_batch_is_cached_in_redis_and_reused(redis_url: str, redis_prefix: str) -> None:
    market = random_market(6, 500, seed=8)
    spec = DatasetSpec(horizon=6, vol_window=24, reference_symbol=None)
    data = build_dataset(market, spec)
    trained = train_model(
        TrainingInput(data.names, data.x, data.y_class, data.t, data.horizon),
        TrainingSpec(n_estimators=10, folds=2, min_child_samples=20),
    )
    model = LoadedModel(trained.kind, trained.names, trained.booster)
    cache = RedisCache.from_url(redis_url, prefix=redis_prefix)
    try:
        first = await Predictor("trend", 1, model, spec, cache=cache, ttl_s=60).predict(market)
        key = CacheKeys.predictions("trend", market.exchange, market.timeframe)
        ttl = await cache.ttl(key)
        assert ttl is not None
        assert 0 < ttl <= 60
        stored = Predictions.decode(await cache.get(key) or b"")
        np.testing.assert_allclose(stored.values, first.values)
        # A second replica (another Predictor on the same cache) reads the batch.
        other = Predictor("trend", 1, model, spec, cache=cache)
        again = await other.predict(market)
        assert again.digest == first.digest
        np.testing.assert_allclose(again.values, first.values)
        # A newer model version does not serve the old version's batch.
        newer = await Predictor("trend", 2, model, spec, cache=cache).predict(market)
        assert newer.version == 2
    finally:
        await cache.delete(CacheKeys.predictions("trend", market.exchange, market.timeframe))
        await cache.close()
