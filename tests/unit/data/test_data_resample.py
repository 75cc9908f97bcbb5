from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.data.resample import resample
from simbiot.domain.market import Candles

M5 = 300_000
H = 3_600_000


def five_minute(ts: list[int]) -> Candles:
    t = np.array(ts, dtype=np.int64)
    base = np.arange(len(t), dtype=np.float64) + 1
    return Candles("X/USDT", "5m", t, base, base + 2, base - 0.5, base + 1, np.full(len(t), 2.0))


def test_full_hour_aggregates() -> None:
    out = resample(five_minute([i * M5 for i in range(24)]), "1h")
    assert out.timestamp.tolist() == [0, H]
    assert out.open.tolist() == [1.0, 13.0]
    assert out.high.tolist() == [14.0, 26.0]
    assert out.low.tolist() == [0.5, 12.5]
    assert out.close.tolist() == [13.0, 25.0]
    assert out.volume.tolist() == [24.0, 24.0]
    assert out.timeframe == "1h"


def test_incomplete_bucket_left_out_or_kept() -> None:
    c = five_minute([i * M5 for i in range(12)] + [H, H + M5])
    assert resample(c, "1h").timestamp.tolist() == [0]
    assert resample(c, "1h", complete_only=False).timestamp.tolist() == [0, H]


def test_rejects_non_multiple_and_handles_empty() -> None:
    with pytest.raises(ValueError, match="not a multiple"):
        resample(five_minute([0]), "3m")
    assert len(resample(Candles.empty("X/USDT", "5m"), "1h")) == 0


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(0, 500), max_size=200))
def test_property_buckets_bound_their_candles(steps: set[int]) -> None:
    c = five_minute(sorted(s * M5 for s in steps))
    out = resample(c, "1h", complete_only=False)
    assert np.all(np.diff(out.timestamp) > 0)
    assert np.all(out.timestamp % H == 0)
    assert out.volume.sum() == pytest.approx(c.volume.sum())
    assert np.all(out.high >= np.maximum(out.open, out.close))
    assert np.all(out.low <= np.minimum(out.open, out.close))
