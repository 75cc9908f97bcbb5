"""Aggregation of base candles into longer intervals."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from simbiot.exchange.simulator.tape import aggregate


def _rows(indexes: list[int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = len(indexes)
    o = rng.uniform(1, 2, n)
    c = rng.uniform(1, 2, n)
    h = np.maximum(o, c) + rng.uniform(0, 1, n)
    low = np.minimum(o, c) - rng.uniform(0, 0.5, n)
    return np.column_stack([np.array(indexes, dtype=float), o, h, low, c, rng.uniform(0, 5, n)])


@given(
    indexes=st.lists(st.integers(0, 400), min_size=1, max_size=200, unique=True).map(sorted),
    factor=st.sampled_from([1, 5, 15, 60]),
    origin=st.integers(0, 59).map(lambda m: m * 60_000),
    seed=st.integers(0, 1000),
)
def test_aggregate_matches_a_bucket_by_bucket_reference(
    indexes: list[int], factor: int, origin: int, seed: int
) -> None:
    rows = _rows(indexes, seed)
    out = aggregate(rows, factor, origin, 60_000)
    times = origin + rows[:, 0] * 60_000
    buckets = (times // (factor * 60_000)).astype(int)
    expected = []
    for b in sorted(set(buckets)):
        part = rows[buckets == b]
        expected.append(
            [
                b * factor * 60_000,
                part[0, 1],
                part[:, 2].max(),
                part[:, 3].min(),
                part[-1, 4],
                part[:, 5].sum(),
            ]
        )
    np.testing.assert_allclose(out, np.array(expected))


def test_aggregate_of_nothing_is_empty() -> None:
    assert aggregate(np.empty((0, 6)), 5, 0, 60_000).shape == (0, 6)
