"""The seeded synthetic market."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from simbiot.exchange.simulator.synthetic import SyntheticTape
from simbiot.exchange.simulator.universe import NEVER

TF = 60_000


def _tape(seed: int = 7, symbols: int = 100, capacity: int = 600) -> SyntheticTape:
    return SyntheticTape(
        symbols=symbols,
        seed=seed,
        quote="USDT",
        timeframe_ms=TF,
        origin_ms=0,
        start_index=300,
        capacity=capacity,
    )


def test_same_seed_same_market_whatever_the_chunking() -> None:
    a, b = _tape(), _tape()
    a.ensure(400)
    for k in range(0, 401, 37):
        b.ensure(k)
    b.ensure(400)
    for k in (0, 123, 400):
        np.testing.assert_array_equal(a.column(k), b.column(k))
    assert a.universe.bases == b.universe.bases


def test_other_seed_other_market() -> None:
    a, b = _tape(seed=1), _tape(seed=2)
    a.ensure(10)
    b.ensure(10)
    assert a.universe.bases[3:] != b.universe.bases[3:]
    assert not np.allclose(a.column(10)[3, :3], b.column(10)[3, :3])


def test_reference_markets_come_first_and_always_trade() -> None:
    tape = _tape()
    u = tape.universe
    assert u.bases[:3] == ("BTC", "ETH", "BNB")
    assert u.symbol(0) == "BTC/USDT"
    assert (u.list_index[:3] == 0).all()
    assert (u.delist_index[:3] == NEVER).all()
    assert u.api_allowed[:3].all()
    assert len(set(u.bases)) == len(u.bases)
    assert len(set(u.coingecko_ids)) == len(u.coingecko_ids)


def test_candles_are_consistent() -> None:
    tape = _tape()
    tape.ensure(500)
    cols = np.stack([tape.column(k) for k in range(tape.first_stored(), 501)])
    o, h, low, c, v = (cols[:, i, :] for i in range(5))
    ok = ~np.isnan(c)
    assert (h[ok] >= np.maximum(o, c)[ok] * (1 - 1e-6)).all()
    assert (low[ok] <= np.minimum(o, c)[ok] * (1 + 1e-6)).all()
    assert (low[ok] > 0).all()
    assert (v[ok] > 0).all()
    # Each candle opens at the previous close (float32 storage).
    np.testing.assert_allclose(o[1:, 0], c[:-1, 0], rtol=1e-6)


def test_assets_follow_the_market_factor() -> None:
    tape = _tape(symbols=60)
    tape.ensure(599)
    closes = np.stack([tape.column(k)[3] for k in range(600)])
    returns = np.diff(np.log(closes), axis=0)
    listed = ~np.isnan(returns).any(axis=0)
    corr = np.corrcoef(returns[:, listed].T)[0, 1:]
    assert np.median(corr) > 0.2


def test_unlisted_and_delisted_candles_are_missing() -> None:
    tape = _tape(symbols=200)
    u = tape.universe
    late = int(np.flatnonzero(u.list_index > 300)[0])
    gone = int(np.flatnonzero(u.delist_index < NEVER)[0])
    tape.ensure(int(max(u.list_index[late], u.delist_index[gone])))
    assert np.isnan(tape.column(int(u.list_index[late]) - 1)[3, late])
    assert not np.isnan(tape.column(int(u.list_index[late]))[3, late])
    assert np.isnan(tape.column(int(u.delist_index[gone]))[3, gone])
    assert not u.api_allowed.all()


def test_ring_drops_old_candles() -> None:
    tape = _tape(capacity=100)
    tape.ensure(250)
    assert tape.first_stored() == 151
    assert tape.rows(0, 0, 250)[0, 0] == 151
    with pytest.raises(IndexError):
        tape.column(150)


@pytest.mark.slow
def test_two_thousand_markets_generate_fast_in_bounded_memory() -> None:
    tracemalloc.start()
    started = time.perf_counter()
    tape = SyntheticTape(
        symbols=2000,
        seed=7,
        quote="USDT",
        timeframe_ms=TF,
        origin_ms=0,
        start_index=1000,
        capacity=1500,
    )
    tape.ensure(1000)
    elapsed = time.perf_counter() - started
    tape.ensure(3000)  # past the ring: memory must not grow
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 10, elapsed
    assert peak < 100 * 2**20, peak  # the ring is 1500 x 5 x 2000 float32 = 57 MiB
