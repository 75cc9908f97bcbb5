"""Import candle files (Parquet or CSV) into candle stores, through cleaning.

Files laid out like ``ohlcv/<exchange>/<timeframe>/<BASE>_<QUOTE>.parquet`` give their
exchange and timeframe through their path; either may be given instead. A file's stem is
the symbol (``BTC_USDT`` → ``BTC/USDT``, ``BTC_USDT_USDT`` → ``BTC/USDT:USDT``). Columns:
``timestamp`` (ms, or a ``date``/``datetime`` column), open, high, low, close, volume.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from simbiot.data.cleaning import CleaningReport, clean_candles
from simbiot.data.store_port import CandleStore
from simbiot.domain.errors import DataError
from simbiot.domain.market import Candles
from simbiot.domain.timeframes import TIMEFRAME_MS

__all__ = ["ImportReport", "StoreFactory", "import_path", "read_candle_table", "symbol_from_file"]

log = logging.getLogger(__name__)

StoreFactory = Callable[[str, str], CandleStore]
_SUFFIXES = (".parquet", ".csv")
_PRICES = ("open", "high", "low", "close", "volume")


@dataclass(slots=True)
class ImportReport:
    """What an import did."""

    files: int = 0
    files_failed: int = 0
    candles: int = 0  # rows added to stores
    rows_read: int = 0
    rows_dropped: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    per_store: dict[str, int] = field(default_factory=dict)  # "exchange/tf" -> rows added


def symbol_from_file(path: Path) -> str:
    """Return the symbol a file name stands for."""
    parts = path.stem.split("_")
    if len(parts) == 2 and all(parts):
        return f"{parts[0]}/{parts[1]}"
    if len(parts) == 3 and all(parts):
        return f"{parts[0]}/{parts[1]}:{parts[2]}"
    raise DataError(f"cannot tell the symbol from file name {path.name!r}")


def _infer(path: Path, exchange: str | None, timeframe: str | None) -> tuple[str, str]:
    tf = timeframe or (path.parent.name if path.parent.name in TIMEFRAME_MS else None)
    ex = exchange or (path.parent.parent.name if tf == path.parent.name else None)
    if not tf or not ex:
        raise DataError(
            f"{path}: exchange and timeframe not given and not inferable from "
            "<exchange>/<timeframe>/<file>"
        )
    if tf not in TIMEFRAME_MS:
        raise DataError(f"{path}: unknown timeframe {tf!r}")
    return ex, tf


def read_candle_table(path: Path, symbol: str, timeframe: str) -> Candles:
    """Read a Parquet or CSV candle file into raw (uncleaned) candles."""
    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError, pa.ArrowException, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in _PRICES if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing columns {missing}")
    if "timestamp" in df.columns:
        ts_raw = pd.to_numeric(df["timestamp"], errors="coerce")
    elif "date" in df.columns or "datetime" in df.columns:
        col = df["date" if "date" in df.columns else "datetime"]
        dt = pd.to_datetime(col, utc=True, errors="coerce")
        ts_raw = pd.Series(dt.to_numpy(dtype="datetime64[ms]").astype(np.float64), index=df.index)
        ts_raw[dt.isna()] = np.nan
    else:
        raise DataError(f"{path}: no timestamp or date column")
    ok = ts_raw.notna().to_numpy()
    if not ok.all():
        log.warning("%s: %d rows without a usable time dropped", path, int((~ok).sum()))
    prices = [pd.to_numeric(df[c], errors="coerce").to_numpy(np.float64)[ok] for c in _PRICES]
    ts = ts_raw.to_numpy(np.float64)[ok].astype(np.int64)
    return Candles(symbol, timeframe, ts, *prices)


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        raise DataError(f"no such file or directory: {root}")
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in _SUFFIXES and not p.name.startswith("."):
            yield p


def import_path(
    root: Path,
    stores: StoreFactory,
    *,
    now_ms: int,
    exchange: str | None = None,
    timeframe: str | None = None,
    on_file: Callable[[Path, CleaningReport | None], None] | None = None,
) -> ImportReport:
    """Import every candle file under ``root`` (or ``root`` itself) into its store."""
    report = ImportReport()
    cache: dict[tuple[str, str], CandleStore] = {}
    for path in _files(root):
        report.files += 1
        try:
            ex, tf = _infer(path, exchange, timeframe)
            raw = read_candle_table(path, symbol_from_file(path), tf)
            candles, cleaning = clean_candles(raw, tf, now_ms)
            store = cache.get((ex, tf))
            if store is None:
                store = cache[(ex, tf)] = stores(ex, tf)
            added = store.append(candles)
        except DataError as exc:
            report.files_failed += 1
            report.errors[str(path)] = str(exc)
            log.warning("import of %s failed: %s", path, exc)
            if on_file is not None:
                on_file(path, None)
            continue
        report.rows_read += cleaning.rows_in
        report.rows_dropped += cleaning.dropped
        report.candles += added
        label = f"{ex}/{tf}"
        report.per_store[label] = report.per_store.get(label, 0) + added
        if on_file is not None:
            on_file(path, cleaning)
    return report
