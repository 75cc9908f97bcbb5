from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import (
    DatasetCache,
    DatasetSpec,
    build_dataset,
    feature_block,
    per_bar_volatility,
)
from simbiot.learning.training import TrainingInput, TrainingSpec, train_model

SPEC = DatasetSpec(horizon=6, vol_window=24, reference_symbol=None)


def _perturb_after(frame: MarketFrame, t: int, seed: int = 3) -> MarketFrame:
    rng = np.random.default_rng(seed)
    after = (frame.shape[0], frame.shape[1] - t - 1)
    scale = np.ones(frame.shape)
    scale[:, t + 1 :] = rng.uniform(0.5, 1.5, after)
    wide = np.ones(frame.shape)
    wide[:, t + 1 :] = 1.02
    vol = np.ones(frame.shape)
    vol[:, t + 1 :] = rng.uniform(0.1, 10.0, after)
    return replace(
        frame,
        open=frame.open * scale,
        high=frame.high * scale * wide,
        low=frame.low * scale / wide,
        close=frame.close * scale,
        volume=frame.volume * vol,
    )


def test_rows_have_finite_labels_and_feature_names(market: MarketFrame) -> None:
    data = build_dataset(market, SPEC)
    assert len(data) > 0
    assert data.x.shape == (len(data), len(data.names))
    assert np.isfinite(data.y_class).all()
    assert np.isfinite(data.y_return).all()
    assert set(np.unique(data.y_class)) == {0.0, 1.0}
    assert data.label_end.max() <= market.shape[1] - 1


def test_no_look_ahead_features_labels_and_predictions(market: MarketFrame) -> None:
    t = 450
    changed = _perturb_after(market, t)
    a, b = build_dataset(market, SPEC), build_dataset(changed, SPEC)
    # Features at <= t are unchanged whatever happens after t.
    fa, fb = feature_block(market, SPEC), feature_block(changed, SPEC)
    np.testing.assert_array_equal(fa.block[:, :, : t + 1], fb.block[:, :, : t + 1])
    # Rows usable for training at t (label known) are identical.
    ka, kb = a.known_at(t), b.known_at(t)
    assert len(ka) > 100
    np.testing.assert_array_equal(ka.x, kb.x)
    np.testing.assert_array_equal(ka.y_class, kb.y_class)
    np.testing.assert_array_equal(ka.y_return, kb.y_return)
    # A model trained at t predicts the same at t from either history.
    spec = TrainingSpec(n_estimators=20, folds=2, min_child_samples=20)
    ma = train_model(TrainingInput(ka.names, ka.x, ka.y_class, ka.t, ka.horizon), spec)
    mb = train_model(TrainingInput(kb.names, kb.x, kb.y_class, kb.t, kb.horizon), spec)
    assert ma.booster == mb.booster
    # A perturbation before t must change things (the test can fail).
    early = _perturb_after(market, 200)
    assert not np.array_equal(build_dataset(early, SPEC).known_at(t).y_return, ka.y_return)


def test_known_at_drops_rows_whose_horizon_is_open(market: MarketFrame) -> None:
    data = build_dataset(market, SPEC)
    cut = data.known_at(300)
    assert (cut.t + SPEC.horizon <= 300).all()
    assert len(cut) < len(data)


def test_volatility_is_trailing() -> None:
    close = np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.01, (2, 100)), axis=1))
    v = per_bar_volatility(close, 10)
    bumped = close.copy()
    bumped[:, 60:] *= 2
    np.testing.assert_array_equal(v[:, :60], per_bar_volatility(bumped, 10)[:, :60])


def test_spec_validation_and_key() -> None:
    with pytest.raises(ValueError):
        DatasetSpec(horizon=0)
    assert DatasetSpec().key() == DatasetSpec().key() != DatasetSpec(horizon=12).key()


def test_cache_builds_once_and_rebuilds_torn_file(market: MarketFrame, tmp_path: Path) -> None:
    cache = DatasetCache(tmp_path)
    first, digest = cache.load_or_build(market, SPEC)
    path = cache.path(digest, SPEC)
    assert path.exists()
    mtime = path.stat().st_mtime_ns
    again, _ = cache.load_or_build(market, SPEC)
    assert path.stat().st_mtime_ns == mtime
    np.testing.assert_array_equal(first.x, again.x)
    assert again.names == first.names
    assert again.symbols == first.symbols
    path.write_bytes(b"torn")
    rebuilt, _ = cache.load_or_build(market, SPEC)
    np.testing.assert_array_equal(rebuilt.y_class, first.y_class)


def test_cache_keeps_only_the_newest_datasets(market: MarketFrame, tmp_path: Path) -> None:
    cache = DatasetCache(tmp_path, keep=2)
    in_making = tmp_path / "other-writer.tmp.npz"
    in_making.write_bytes(b"partial")
    digests = []
    for bars in (500, 550, 600):
        _, digest = cache.load_or_build(market.tail(bars), SPEC)
        digests.append(digest)
    kept = {p.name for p in tmp_path.glob("*.npz")}
    assert kept == {
        cache.path(digests[1], SPEC).name, cache.path(digests[2], SPEC).name, in_making.name,
    }  # fmt: skip
    with pytest.raises(ValueError):
        DatasetCache(tmp_path, keep=0)
