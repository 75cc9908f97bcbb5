"""Snapshot JSON schema and the rich table."""

from __future__ import annotations

import io
import math

import orjson
from rich.console import Console

from simbiot.analysis.market_state import MarketRegime, MarketState
from simbiot.analysis.snapshot import SNAPSHOT_SCHEMA, SymbolRow, XRaySnapshot, render_table

ROW_KEYS = {
    "rank", "symbol", "score", "price", "change_pct", "volatility_pct", "volatility_percentile",
    "trend", "trend_strength", "momentum_z", "volume_anomaly", "relative_strength", "liquidity",
    "rsi", "market_cap", "market_cap_rank", "listing_age_days", "pattern", "flags", "anomalies",
}  # fmt: skip
TOP_KEYS = {
    "schema", "exchange", "timeframe", "generated_at", "generated_at_ms", "candle_ms",
    "market_state", "symbols", "scanned", "filtered", "quarantined", "rejections", "timings",
}  # fmt: skip


def _row(rank: int, symbol: str, score: float) -> SymbolRow:
    nan = math.nan
    return SymbolRow(
        rank, symbol, score, 1.5, 2.0, 0.8, 0.5, "up", 25.0, 1.2, 3.4, 0.7, 1e6, 61.0,
        nan, nan, nan, "breakout", ("breakout", "volume_spike"), ("log_quote_volume",),
    )  # fmt: skip


def _snapshot() -> XRaySnapshot:
    state = MarketState(MarketRegime.BULL, 0.8, ("slope +2σ",), "BTC/USDT", measures={"x": 1.0})
    return XRaySnapshot(
        exchange="mexc",
        timeframe="1h",
        generated_at_ms=1_714_564_800_000,
        candle_ms=1_714_561_200_000,
        market_state=state,
        symbols=(_row(1, "SOL/USDT", 91.2), _row(2, "ETH/USDT", 80.0)),
        scanned=10,
        filtered=2,
        quarantined=("BAD/USDT",),
        rejections={"illiquid": 7},
        timings={"filter": 0.001, "total": 0.01},
    )


def test_schema_keys_and_types() -> None:
    doc = _snapshot().to_json()
    assert set(doc) == TOP_KEYS
    assert doc["schema"] == SNAPSHOT_SCHEMA
    assert doc["generated_at"] == "2024-05-01T12:00:00+00:00"
    assert doc["market_state"]["regime"] == "bull"
    assert [r["rank"] for r in doc["symbols"]] == [1, 2]
    for row in doc["symbols"]:
        assert set(row) == ROW_KEYS
        assert row["market_cap"] is None
        assert row["market_cap_rank"] is None
        assert isinstance(row["flags"], list)
    assert doc["quarantined"] == ["BAD/USDT"]
    assert doc["rejections"] == {"illiquid": 7}


def test_json_is_strict_serialisable() -> None:
    raw = orjson.dumps(_snapshot().to_json())
    assert orjson.loads(raw)["symbols"][0]["symbol"] == "SOL/USDT"


def test_render_table_prints_state_rows_and_quarantine() -> None:
    out = io.StringIO()
    render_table(_snapshot(), Console(file=out, width=160, color_system=None), top=1)
    text = out.getvalue()
    assert "bull" in text
    assert "SOL/USDT" in text
    assert "ETH/USDT" not in text
    assert "BAD/USDT" in text
    assert "2 of 10" in text


def test_render_default_state() -> None:
    snap = XRaySnapshot("mexc", "1h", 0, None, MarketState.default(), (), 0, 0)
    out = io.StringIO()
    render_table(snap, Console(file=out, width=120, color_system=None))
    assert "default state" in out.getvalue()
    assert "no data" in out.getvalue()
