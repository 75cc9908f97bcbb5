from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.learning.cv import purged_folds


def test_purge_gap_separates_train_labels_from_test() -> None:
    t = np.repeat(np.arange(100), 3)
    folds = purged_folds(t, horizon=5, n_folds=3)
    assert len(folds) == 3
    for f in folds:
        assert (t[f.train] + 5 < t[f.test].min()).all()
        # The purge removes the rows just before the test block.
        assert t[f.test].min() - t[f.train].max() == 6


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 30), st.integers(1, 6), st.integers(10, 300))
def test_no_fold_ever_overlaps(horizon: int, n: int, bars: int) -> None:
    t = np.arange(bars)
    for f in purged_folds(t, horizon, n):
        assert (t[f.train] + horizon < t[f.test].min()).all()
        assert len(np.intersect1d(f.train, f.test)) == 0


def test_empty_and_bad_arguments() -> None:
    assert purged_folds(np.array([], dtype=np.int64), 1, 2) == []
    with pytest.raises(ValueError):
        purged_folds(np.arange(5), 1, 0)
