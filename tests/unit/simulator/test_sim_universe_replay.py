"""Market universe rules and replay from Parquet files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simbiot.domain.errors import ConfigError
from simbiot.exchange.simulator.replay import ReplayTape
from simbiot.exchange.simulator.universe import derive_precision, synthetic_universe

HOUR = 3_600_000


def test_precision_gives_six_or_seven_significant_digits() -> None:
    price_dec, amount_dec = derive_precision(np.array([60_000.0, 3_000.0, 1.5, 0.000012]))
    assert price_dec.tolist() == [2, 3, 6, 10]
    assert amount_dec.tolist() == [5, 4, 1, 0]


def test_universe_quotas_are_exact_and_disjoint() -> None:
    u, prices, vols = synthetic_universe(
        203,
        seed=1,
        quote="USDT",
        start_index=100,
        listing_share=0.05,
        delisting_share=0.02,
        not_api_share=0.03,
    )
    late = u.list_index > 0
    gone = u.delist_index < 10**15
    blocked = ~u.api_allowed
    assert (late.sum(), gone.sum(), blocked.sum()) == (10, 4, 6)
    assert not (late & gone).any()
    assert not (late & blocked).any()
    assert (u.list_index[late] > 100).all()
    assert (prices > 0).all()
    assert ((vols >= 0.4) & (vols <= 2.0)).all()
    assert u.by_symbol["BTC/USDT"] == 0
    assert u.by_id["ETHUSDT"] == 1


def test_tiny_universe_keeps_the_majors() -> None:
    u, _, _ = synthetic_universe(
        2,
        seed=1,
        quote="USDT",
        start_index=10,
        listing_share=0.1,
        delisting_share=0.1,
        not_api_share=0.1,
    )
    assert u.bases == ("BTC", "ETH")
    assert u.api_allowed.all()


def _write(directory: Path, base: str, start: int, rows: int, price: float) -> None:
    ts = start + np.arange(rows, dtype=np.int64) * HOUR
    close = price * (1 + 0.01 * np.sin(np.arange(rows)))
    table = pa.table(
        {
            "timestamp": ts,
            "open": close,
            "high": close * 1.01,
            "low": close * 0.99,
            "close": close,
            "volume": np.full(rows, 10.0),
        }
    )
    pq.write_table(table, directory / f"{base}_USDT.parquet")


def test_replay_aligns_files_and_derives_listing(tmp_path: Path) -> None:
    t0 = 1_704_067_200_000
    _write(tmp_path, "AAA", t0 + 5 * HOUR, 20, 2.0)
    _write(tmp_path, "BTC", t0, 30, 40_000.0)
    _write(tmp_path, "ETH", t0, 10, 2_000.0)
    start = 1_900_000_000_000
    tape = ReplayTape(tmp_path, quote="USDT", start_ms=start, start_index=8, symbols=10)
    u = tape.universe
    assert u.bases == ("BTC", "ETH", "AAA")
    assert tape.timeframe_ms == HOUR
    assert tape.origin_ms == start - start % HOUR - 8 * HOUR
    assert u.list_index.tolist() == [0, 0, 5]
    assert u.delist_index.tolist() == [30, 10, 25]
    rows = tape.rows(2, 0, 29)
    assert rows[0, 0] == 5
    assert len(rows) == 20
    assert tape.last_index() == 29
    assert np.isnan(tape.column(2)[3, 2])
    with pytest.raises(IndexError):
        tape.column(30)


def test_replay_without_files_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \*_USDT\.parquet"):
        ReplayTape(tmp_path, quote="USDT", start_ms=0, start_index=1, symbols=5)


def test_replay_end_delists_early_files_and_holds_the_rest(tmp_path: Path) -> None:
    from simbiot.exchange.simulator.clock import SimClock
    from simbiot.exchange.simulator.errors import SimApiError
    from simbiot.exchange.simulator.market import Markets

    t0 = 1_704_067_200_000
    _write(tmp_path, "BTC", t0, 30, 40_000.0)
    _write(tmp_path, "ETH", t0, 10, 2_000.0)
    start = 1_900_000_000_000
    tape = ReplayTape(tmp_path, quote="USDT", start_ms=start, start_index=5, symbols=10)
    markets = Markets(tape, SimClock(start, speed=1.0, manual=True))
    assert markets.listed() == [0, 1]
    markets.clock.advance(100 * HOUR)
    assert markets.current_index() == 29
    assert markets.listed() == [0]
    with pytest.raises(SimApiError):
        markets.resolve("ETHUSDT")
    assert markets.last_price(0) == pytest.approx(tape.column(29)[3, 0])
