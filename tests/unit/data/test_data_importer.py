from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simbiot.data.candle_store import ParquetCandleStore
from simbiot.data.importer import import_path, read_candle_table, symbol_from_file
from simbiot.data.memory_store import MemoryCandleStore
from simbiot.data.resample import resample
from simbiot.data.store_port import CandleStore
from simbiot.domain.errors import DataError

H = 3_600_000
NOW = 2_000_000_000_000


class Stores:
    def __init__(self) -> None:
        self.made: dict[tuple[str, str], MemoryCandleStore] = {}

    def __call__(self, exchange: str, timeframe: str) -> CandleStore:
        return self.made.setdefault((exchange, timeframe), MemoryCandleStore(exchange, timeframe))


def frame(n: int, start_h: int = 0) -> pd.DataFrame:
    ts = (np.arange(n, dtype=np.int64) + start_h) * H
    close = np.linspace(1, 2, n)
    return pd.DataFrame(
        {
            "timestamp": ts,
            "open": close,
            "high": close + 0.1,
            "low": close - 0.1,
            "close": close,
            "volume": np.ones(n),
        }
    )


def test_symbol_from_file() -> None:
    assert symbol_from_file(Path("BTC_USDT.parquet")) == "BTC/USDT"
    assert symbol_from_file(Path("BTC_USDT_USDT.parquet")) == "BTC/USDT:USDT"
    with pytest.raises(DataError, match="cannot tell the symbol"):
        symbol_from_file(Path("BTCUSDT.csv"))


def test_import_tree_infers_exchange_and_timeframe(tmp_path: Path) -> None:
    (tmp_path / "mexc" / "1h").mkdir(parents=True)
    (tmp_path / "bybit" / "5m").mkdir(parents=True)
    frame(10).to_parquet(tmp_path / "mexc" / "1h" / "BTC_USDT.parquet")
    five = frame(6)
    five["timestamp"] = np.arange(6, dtype=np.int64) * 300_000
    five.to_csv(tmp_path / "bybit" / "5m" / "ETH_USDT_USDT.csv", index=False)
    (tmp_path / "mexc" / "1h" / "README.txt").write_text("ignored")
    stores = Stores()
    seen: list[str] = []
    report = import_path(tmp_path, stores, now_ms=NOW, on_file=lambda p, r: seen.append(p.name))
    assert report.files == 2
    assert report.candles == 16
    assert report.per_store == {"mexc/1h": 10, "bybit/5m": 6}
    assert len(stores.made[("bybit", "5m")].read("ETH/USDT:USDT")) == 6
    assert sorted(seen) == ["BTC_USDT.parquet", "ETH_USDT_USDT.csv"]
    # Re-import adds nothing: dedup by open time.
    assert import_path(tmp_path, stores, now_ms=NOW).candles == 0


def test_csv_with_dates_and_dirty_rows_goes_through_cleaning(tmp_path: Path) -> None:
    df = frame(5)
    df.insert(0, "date", pd.to_datetime(df.pop("timestamp"), unit="ms", utc=True).astype(str))
    df["close"] = df["close"].astype(object)
    df.loc[1, "close"] = "oops"
    df.loc[2, "date"] = "not a date"
    df.loc[3, "low"] = -1
    path = tmp_path / "SOL_USDT.csv"
    df.to_csv(path, index=False)
    stores = Stores()
    report = import_path(path, stores, now_ms=NOW, exchange="binance", timeframe="1h")
    assert report.rows_read == 4  # the row without a date never becomes a candle
    assert report.rows_dropped == 2
    assert stores.made[("binance", "1h")].read("SOL/USDT").timestamp.tolist() == [0, 4 * H]


def test_unusable_files_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "x" / "1h").mkdir(parents=True)
    (tmp_path / "x" / "1h" / "BAD_USDT.parquet").write_bytes(b"garbage")
    frame(3).drop(columns=["volume"]).to_csv(tmp_path / "x" / "1h" / "NOVOL_USDT.csv", index=False)
    frame(3).drop(columns=["timestamp"]).to_csv(
        tmp_path / "x" / "1h" / "NOTS_USDT.csv", index=False
    )
    frame(3).to_csv(tmp_path / "loose_USDT.csv", index=False)  # no exchange/timeframe
    frame(3).to_csv(tmp_path / "x" / "1h" / "A_B_C_D.csv", index=False)
    report = import_path(tmp_path, Stores(), now_ms=NOW)
    assert report.files == 5
    assert report.files_failed == 5
    messages = " | ".join(report.errors.values())
    for fragment in ("cannot read", "missing columns", "no timestamp", "not inferable", "symbol"):
        assert fragment in messages
    with pytest.raises(DataError, match="no such file"):
        import_path(tmp_path / "missing", Stores(), now_ms=NOW)


def test_read_candle_table_keeps_raw_defects(tmp_path: Path) -> None:
    df = frame(3)
    df.loc[0, "open"] = np.nan
    df.to_parquet(tmp_path / "A_USDT.parquet")
    raw = read_candle_table(tmp_path / "A_USDT.parquet", "A/USDT", "1h")
    assert len(raw) == 3
    assert np.isnan(raw.open[0])


def test_import_real_data_and_cross_check_5m_against_1h(shared_data: Path, tmp_path: Path) -> None:
    def stores(exchange: str, timeframe: str) -> CandleStore:
        return ParquetCandleStore(tmp_path, exchange, timeframe, fsync=False)

    symbols = ("BTC_USDT", "PEPE_USDT", "PEOPLE_USDT")
    for tf in ("1h", "5m"):
        for s in symbols:
            report = import_path(
                shared_data / "ohlcv" / "binance" / tf / f"{s}.parquet", stores, now_ms=NOW
            )
            assert report.files_failed == 0
            assert report.rows_dropped == 0  # the shared set is clean
    hourly = ParquetCandleStore(tmp_path, "binance", "1h")
    five = ParquetCandleStore(tmp_path, "binance", "5m")
    assert hourly.symbols() == ["BTC/USDT", "PEOPLE/USDT", "PEPE/USDT"]
    for s in hourly.symbols():
        h = hourly.read(s)
        agg = resample(five.read(s), "1h")
        common, hi, ai = np.intersect1d(h.timestamp, agg.timestamp, return_indices=True)
        assert len(common) > 5_000
        for col in ("open", "high", "low", "close"):
            np.testing.assert_array_equal(getattr(h, col)[hi], getattr(agg, col)[ai])
        np.testing.assert_allclose(h.volume[hi], agg.volume[ai], rtol=1e-12)
