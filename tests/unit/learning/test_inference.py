from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simbiot.cache.keys import CacheKeys
from simbiot.cache.memory import MemoryCache
from simbiot.domain.errors import DataError
from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetSpec, feature_block
from simbiot.learning.inference import Predictions, Predictor, feature_rows, recent_rows
from simbiot.learning.training import LoadedModel, TrainedModel


def _predictor(trained: tuple[DatasetSpec, TrainedModel], cache: MemoryCache | None) -> Predictor:
    spec, m = trained
    return Predictor("trend", 3, LoadedModel(m.kind, m.names, m.booster), spec, cache=cache)


async def test_one_batch_for_every_symbol_and_cached(
    market: MarketFrame, trained: tuple[DatasetSpec, TrainedModel]
) -> None:
    cache = MemoryCache()
    pred = _predictor(trained, cache)
    out = await pred.predict(market)
    assert out.values.shape == (market.shape[0],)
    assert out.symbols == market.symbols
    assert out.timestamp == int(market.timestamp[-1])
    assert np.isfinite(out.values).all()
    assert ((out.values > 0) & (out.values < 1)).all()
    raw = await cache.get(CacheKeys.predictions("trend", market.exchange, market.timeframe))
    assert raw is not None
    assert Predictions.decode(raw).digest == out.digest
    # Same frame: served from the cache (a poisoned cached value proves it was read).
    poisoned = replace(out, values=np.full_like(out.values, 0.123))
    await cache.set(
        CacheKeys.predictions("trend", market.exchange, market.timeframe), poisoned.encode(), None
    )
    again = await pred.predict(market)
    np.testing.assert_allclose(again.values, 0.123)
    # A new candle changes the digest: predicted afresh.
    moved = replace(market, close=market.close * 1.001)
    fresh = await pred.predict(moved)
    assert not np.allclose(fresh.values, 0.123)


async def test_corrupt_cache_entry_is_replaced(
    market: MarketFrame, trained: tuple[DatasetSpec, TrainedModel]
) -> None:
    cache = MemoryCache()
    key = CacheKeys.predictions("trend", market.exchange, market.timeframe)
    await cache.set(key, b"not json", None)
    out = await _predictor(trained, cache).predict(market)
    assert np.isfinite(out.values).all()
    assert Predictions.decode(await cache.get(key) or b"").digest == out.digest


async def test_matches_feature_matrix_and_nan_without_price(
    market: MarketFrame, trained: tuple[DatasetSpec, TrainedModel]
) -> None:
    spec, m = trained
    close = market.close.copy()
    close[2, -1] = np.nan
    frame = replace(market, close=close)
    out = await _predictor(trained, None).predict(frame)
    assert np.isnan(out.values[2])
    assert market.symbols[2] not in out.as_dict()
    feats = feature_block(market, spec)
    direct = LoadedModel(m.kind, m.names, m.booster).predict(feature_rows(feats, m.names))
    ok = await _predictor(trained, None).predict(market)
    np.testing.assert_allclose(ok.values, direct)


def test_missing_feature_and_malformed_entry(market: MarketFrame) -> None:
    feats = feature_block(market, DatasetSpec(reference_symbol=None))
    with pytest.raises(DataError, match="missing"):
        feature_rows(feats, ("no_such_feature",))
    with pytest.raises(DataError):
        Predictions.decode(b'{"model": "x"}')


def test_recent_rows_sample_the_newest_bars(
    market: MarketFrame, trained: tuple[DatasetSpec, TrainedModel]
) -> None:
    spec, m = trained
    rows = recent_rows(market, spec, m.names, bars=10, warmup=market.shape[1])
    full = feature_block(market, spec)
    newest = feature_rows(full, m.names, -1)
    wide = [k for k, n in enumerate(m.names) if n.startswith("breadth_")]
    assert wide  # the feature set has market-wide columns
    newest[:, wide] = np.nan  # one series for all symbols: left out of the drift sample
    assert rows.shape[1] == len(m.names)
    assert rows.shape[0] <= 10 * market.shape[0]
    np.testing.assert_allclose(rows[: market.shape[0]], newest, equal_nan=True, rtol=1e-6)
    assert np.isnan(rows[:, wide]).all()
    assert np.isfinite(rows[:, [k for k in range(len(m.names)) if k not in wide]]).any()
    few = recent_rows(market, spec, m.names, bars=100, warmup=200, max_rows=4 * market.shape[0])
    assert few.shape[0] <= 4 * market.shape[0]
    assert recent_rows(market, spec, m.names, bars=0).shape == (0, len(m.names))
