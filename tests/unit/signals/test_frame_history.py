from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.signals.frame import SignalFrame
from simbiot.signals.history import historical_edge
from simbiot.signals.model import Side


def _frame(
    entry: list[list[bool]], exit_: list[list[bool]], strength: list[list[float]]
) -> SignalFrame:
    e = np.array(entry)
    return SignalFrame(
        ("A", "B", "C"), np.arange(e.shape[1], dtype=np.int64) * 1000, e, np.array(exit_),
        np.array(strength, dtype=float), lambda r, t, side: f"{r}:{t}:{side.value}",
    )  # fmt: skip


def test_latest_reads_the_last_bar_exits_first_and_exit_wins() -> None:
    f = _frame(
        [[False, True], [False, True], [True, False]],
        [[False, False], [False, True], [False, True]],
        [[0, 1.7], [0, 0.4], [0, float("nan")]],
    )
    sigs = f.latest("cfg", {"A": 70.0, "B": float("nan")})
    assert [(s.symbol, s.side) for s in sigs] == [
        ("B", Side.EXIT_LONG), ("C", Side.EXIT_LONG), ("A", Side.ENTRY_LONG),
    ]  # fmt: skip
    a = sigs[2]
    assert (a.strength, a.ts, a.reason, a.xray_score) == (1.0, 1000, "0:1:entry_long", 70.0)
    assert sigs[0].xray_score is None
    assert sigs[0].strength == 1.0


def test_expected_value_and_shapes() -> None:
    f = _frame([[False, True]] * 3, [[False, False]] * 3, [[0, 0.5]] * 3)
    g = f.with_expected_value(np.array([0.01, np.nan, -0.02]))
    assert [s.expected_value for s in g.latest("c")] == [0.01, None, -0.02]
    with pytest.raises(ValueError, match="shape"):
        SignalFrame(("A",), np.arange(2, dtype=np.int64), np.zeros((1, 3), bool), np.zeros((1, 2), bool),
                    np.zeros((1, 2)), lambda r, t, s: "")  # fmt: skip
    with pytest.raises(ValueError, match="boolean"):
        SignalFrame(("A",), np.arange(2, dtype=np.int64), np.zeros((1, 2)), np.zeros((1, 2), bool),
                    np.zeros((1, 2)), lambda r, t, s: "")  # fmt: skip
    empty = SignalFrame((), np.arange(0, dtype=np.int64), np.zeros((0, 0), bool), np.zeros((0, 0), bool),
                        np.zeros((0, 0)), lambda r, t, s: "")  # fmt: skip
    assert empty.latest("c") == []


def test_historical_edge_known_values() -> None:
    close = np.array([[100.0, 110.0, 121.0, 100.0], [100.0, 90.0, 81.0, 100.0]])
    entry = np.array([[True, True, False, True], [True, False, False, False]])
    # Row 0: entries at 0 and 1 with horizon 1 give +10% each; the one at 3 has no future.
    # Row 1: one entry, -10%. Market mean (0.1 + 0.1 - 0.1) / 3.
    edge = historical_edge(close, entry, horizon=1, prior_weight=1.0)
    market = 0.1 / 3
    assert edge[0] == pytest.approx((0.2 + market) / 3)
    assert edge[1] == pytest.approx((-0.1 + market) / 2)
    assert np.isnan(historical_edge(close, np.zeros_like(entry), 1)).all()
    with pytest.raises(ValueError, match="horizon"):
        historical_edge(close, entry, 0)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 1000), st.integers(1, 5))
def test_historical_edge_never_reads_the_future(seed: int, horizon: int) -> None:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (4, 40)), axis=1))
    entry = rng.random((4, 40)) < 0.3
    base = historical_edge(close, entry, horizon)
    # An entry in the last `horizon` bars has no known outcome yet: it must not count.
    late = entry.copy()
    late[:, -horizon:] = ~late[:, -horizon:]
    assert np.allclose(historical_edge(close, late, horizon), base, equal_nan=True)
    # Prices of a bar enter only through entries `horizon` bars before it.
    moved = close.copy()
    moved[:, -1] *= 3.0
    quiet = entry.copy()
    quiet[:, -1 - horizon] = False
    assert np.allclose(
        historical_edge(moved, quiet, horizon),
        historical_edge(close, quiet, horizon),
        equal_nan=True,
    )
