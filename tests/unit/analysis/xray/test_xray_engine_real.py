"""The whole X-ray on real Binance 1h candles (skipped without the data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simbiot.analysis.xray.engine import XRayEngine
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.frame import MarketFrame

pytestmark = pytest.mark.realdata

BASES = ("BTC", "ETH", "SOL", "XRP", "DOGE", "LINK", "AVAX", "LTC", "ADA", "TRX", "UNI",
         "ATOM", "NEAR", "APT", "ARB", "OP", "INJ", "SUI", "FET", "PEPE", "WIF", "TON")  # fmt: skip


def _frame(data: Path, end: str, window: int = 500) -> MarketFrame:
    """Align the newest ``window`` hourly candles up to ``end`` (UTC) of every base found."""
    end_ms = int(pd.Timestamp(end, tz="UTC").timestamp() * 1000)
    ts = end_ms - 3_600_000 * np.arange(window - 1, -1, -1, dtype=np.int64)
    symbols, cols = [], {k: [] for k in ("open", "high", "low", "close", "volume")}
    for base in BASES:
        path = data / "ohlcv" / "binance" / "1h" / f"{base}_USDT.parquet"
        if not path.exists():
            continue
        df = pd.read_parquet(path).set_index("timestamp").reindex(ts)
        symbols.append(f"{base}/USDT")
        for k in cols:
            cols[k].append(df[k].to_numpy(dtype=np.float64))
    arrays = {k: np.ascontiguousarray(np.vstack(v)) for k, v in cols.items()}
    return MarketFrame("binance", "1h", tuple(symbols), ts, **arrays)


def test_whole_xray_on_real_candles_with_late_listings(shared_data: Path) -> None:
    frame = _frame(shared_data, "2024-04-10 00:00")  # WIF, TON listed inside or after
    snap = XRayEngine(AnalysisSettings()).run(frame)
    assert snap.scanned == len(frame.symbols)
    assert 0 < snap.filtered < snap.scanned
    assert snap.market_state.reference == "BTC/USDT"
    assert all(0 <= r.score <= 100 for r in snap.symbols)
    assert "TON/USDT" not in {r.symbol for r in snap.symbols}  # no candles yet
