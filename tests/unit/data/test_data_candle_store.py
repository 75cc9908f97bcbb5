from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from data_samples import H, series
from hypothesis import given
from hypothesis import strategies as st

from simbiot.data import candle_store as candle_store_module
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.data.memory_store import MemoryCandleStore
from simbiot.data.store_port import CandleStore
from simbiot.data.symbol_files import symbol_from_stem, symbol_to_stem
from simbiot.domain.errors import DataError, StorageError
from simbiot.domain.market import Candles

StoreFactory = Callable[[], CandleStore]


@pytest.fixture(params=["parquet", "memory"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    if request.param == "parquet":
        return lambda: ParquetCandleStore(tmp_path, "mexc", "1h", fsync=False)
    mem = MemoryCandleStore("mexc", "1h")
    return lambda: mem


def test_store_implements_port(make_store: StoreFactory) -> None:
    assert isinstance(make_store(), CandleStore)


def test_round_trip(make_store: StoreFactory) -> None:
    store = make_store()
    c = series("BTC/USDT", 10, 50)
    assert store.append(c) == 50
    back = make_store().read("BTC/USDT")
    np.testing.assert_array_equal(back.timestamp, c.timestamp)
    np.testing.assert_array_equal(back.close, c.close)
    assert back.symbol == "BTC/USDT"
    assert back.timeframe == "1h"
    assert store.last_timestamp("BTC/USDT") == 59 * H
    assert store.last_timestamp("ETH/USDT") is None
    assert len(store.read("ETH/USDT")) == 0


def test_merge_dedups_and_new_rows_win(make_store: StoreFactory) -> None:
    store = make_store()
    store.append(series("BTC/USDT", 0, 10))
    overlap = series("BTC/USDT", 5, 10, price=1_000.0)
    assert store.append(overlap) == 5
    back = store.read("BTC/USDT")
    assert back.timestamp.tolist() == [h * H for h in range(15)]
    assert back.close[4] == 104.0
    assert back.close[5] == 1_005.0
    # Back-fill older candles: merged in order.
    assert store.append(series("BTC/USDT", -3, 3)) == 3
    assert store.read("BTC/USDT").timestamp[0] == -3 * H
    assert store.append(series("BTC/USDT", 0, 0)) == 0


def test_wrong_timeframe_rejected(make_store: StoreFactory) -> None:
    with pytest.raises(DataError, match="5m candles given to a 1h store"):
        make_store().append(series("BTC/USDT", 0, 3, tf="5m"))


def test_symbols_and_append_many(make_store: StoreFactory) -> None:
    store = make_store()
    added = store.append_many([series("ETH/USDT", 0, 3), series("BTC/USDT:USDT", 0, 2)])
    assert added == {"ETH/USDT": 3, "BTC/USDT:USDT": 2}
    assert store.symbols() == ["BTC/USDT:USDT", "ETH/USDT"]


def test_load_frame_right_aligned_with_late_listing(make_store: StoreFactory) -> None:
    store = make_store()
    store.append(series("BTC/USDT", 0, 100))  # hours 0..99
    store.append(series("NEW/USDT", 95, 5))  # listed late: hours 95..99
    store.append(series("OLD/USDT", 0, 90))  # stale: ends at hour 89
    gappy = series("GAP/USDT", 90, 10)
    keep = np.ones(10, dtype=bool)
    keep[3] = False
    store.append(
        Candles(
            "GAP/USDT",
            "1h",
            *(
                getattr(gappy, c)[keep]
                for c in ("timestamp", "open", "high", "low", "close", "volume")
            ),
        )
    )
    frame = store.load_frame(None, window=12)
    assert frame.symbols == ("BTC/USDT", "GAP/USDT", "NEW/USDT", "OLD/USDT")
    assert frame.shape == (4, 12)
    assert frame.timestamp.tolist() == [h * H for h in range(88, 100)]
    btc, gap, new, old = (frame.close[frame.index(s)] for s in frame.symbols)
    assert btc.tolist() == [100.0 + h for h in range(88, 100)]
    assert np.isnan(new[:7]).all()
    assert new[7:].tolist() == [100.0 + h for h in range(95, 100)]
    assert old[:2].tolist() == [188.0, 189.0]
    assert np.isnan(old[2:]).all()
    assert np.isnan(gap[5])
    assert np.isnan(gap[:2]).all()
    assert gap[4] == 192.0
    assert frame.close.flags.c_contiguous


def test_load_frame_subset_unknown_and_empty(make_store: StoreFactory) -> None:
    store = make_store()
    empty = store.load_frame(None, window=5)
    assert empty.shape == (0, 0)
    store.append(series("BTC/USDT", 0, 3))
    frame = store.load_frame(["NOPE/USDT", "BTC/USDT"], window=5)
    assert frame.symbols == ("NOPE/USDT", "BTC/USDT")
    assert np.isnan(frame.close[0]).all()
    assert np.isnan(frame.close[1, :2]).all()
    assert frame.close[1, 2:].tolist() == [100, 101, 102]
    with pytest.raises(ValueError, match="window"):
        store.load_frame(None, window=0)


def test_parquet_file_layout_matches_shared_data(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path, "binance", "1h", fsync=False)
    store.append(series("BTC/USDT", 0, 4))
    path = tmp_path / "binance" / "1h" / "BTC_USDT.parquet"
    table = pq.read_table(path)
    assert table.column_names == ["timestamp", "open", "high", "low", "close", "volume"]
    assert str(table.schema.field("timestamp").type) == "int64"


def test_write_failure_keeps_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ParquetCandleStore(tmp_path, "mexc", "1h", fsync=False)
    store.append(series("BTC/USDT", 0, 5))

    def broken(table: object, where: object, **kw: object) -> None:
        where.write(b"PAR1 half a file")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(candle_store_module.pq, "write_table", broken)
    with pytest.raises(StorageError, match="disk full"):
        store.append(series("BTC/USDT", 5, 5))
    monkeypatch.undo()
    fresh = ParquetCandleStore(tmp_path, "mexc", "1h")
    assert len(fresh.read("BTC/USDT")) == 5
    assert [p.name for p in (tmp_path / "mexc" / "1h").iterdir()] == ["BTC_USDT.parquet"]


def test_read_cache_sees_other_writers(tmp_path: Path) -> None:
    a = ParquetCandleStore(tmp_path, "mexc", "1h", fsync=False)
    b = ParquetCandleStore(tmp_path, "mexc", "1h", fsync=False)
    a.append(series("BTC/USDT", 0, 3))
    assert len(b.read("BTC/USDT")) == 3
    a.append(series("BTC/USDT", 3, 4))
    assert len(b.read("BTC/USDT")) == 7


def test_corrupt_and_foreign_files(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path, "mexc", "1h", fsync=False)
    store.directory.mkdir(parents=True)
    (store.directory / "BAD_USDT.parquet").write_bytes(b"not parquet")
    (store.directory / "notes.txt").write_text("x")
    (store.directory / "%ZZ.parquet").write_bytes(b"")
    assert store.symbols() == ["BAD/USDT"]
    with pytest.raises(DataError, match="cannot read candle file"):
        store.read("BAD/USDT")


def test_cache_is_bounded(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path, "mexc", "1h", fsync=False, cache_entries=2)
    for s in ("A/USDT", "B/USDT", "C/USDT"):
        store.append(series(s, 0, 2))
    assert len(store._cache) == 2


def test_unknown_timeframe_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown timeframe"):
        ParquetCandleStore(tmp_path, "mexc", "7m")


def test_symbol_stems() -> None:
    assert symbol_to_stem("BTC/USDT") == "BTC_USDT"
    assert symbol_to_stem("BTC/USDT:USDT") == "BTC_USDT%3AUSDT"
    assert symbol_to_stem("A_B/USDT") == "A%5FB_USDT"
    assert symbol_from_stem("1000SATS_USDT") == "1000SATS/USDT"
    with pytest.raises(ValueError):
        symbol_to_stem("")
    with pytest.raises(ValueError):
        symbol_from_stem("A%G1")


@given(st.text(min_size=1, max_size=30))
def test_symbol_stem_round_trip(symbol: str) -> None:
    stem = symbol_to_stem(symbol)
    assert "/" not in stem
    assert not stem.startswith(".")
    assert "\x00" not in stem
    assert symbol_from_stem(stem) == symbol


def test_file_missing_a_column_is_a_data_error(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path, "mexc", "1h", fsync=False)
    store.directory.mkdir(parents=True)
    pq.write_table(
        pa.table({"timestamp": pa.array([0], pa.int64()), "open": pa.array([1.0])}),
        store.path("HALF/USDT"),
    )
    with pytest.raises(DataError, match="HALF_USDT"):
        store.read("HALF/USDT")
