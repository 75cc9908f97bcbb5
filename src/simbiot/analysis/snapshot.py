"""The X-ray snapshot: what the analyzer publishes, caches and the CLI/API show.

JSON schema of :meth:`XRaySnapshot.to_json` (numbers that are unknown are ``null``)::

    {
      "schema": 1,
      "exchange": "mexc",                  # venue id
      "timeframe": "1h",                   # candle timeframe analysed
      "generated_at": "2024-05-01T12:00:00+00:00",   # ISO-8601 UTC
      "generated_at_ms": 1714564800000,
      "candle_ms": 1714561200000,          # open time of the newest candle analysed
      "market_state": {
        "regime": "bull" | "bear" | "sideways" | "high_volatility" | "crash",
        "confidence": 0.0-1.0,
        "reasons": ["EMA50 slope +2.10σ over 10 bars (trend beyond ±1σ)", ...],
        "reference": "BTC/USDT" | null,    # null: breadth-only (no usable reference)
        "is_default": false,               # true: no data, the stated default state
        "measures": {"sigma": ..., "slope_z": ..., "momentum_z": ..., "drawdown_z": ...,
                     "vol_ratio": ..., "breadth_above_ema": ..., "breadth_advancing": ...,
                     "bars": ...}
      },
      "symbols": [                          # ranked, best first, at most `top` entries
        {"rank": 1, "symbol": "SOL/USDT", "score": 0-100, "price": ..., "change_pct": ...,
         "volatility_pct": ...,            # per-bar sigma of log returns, percent
         "volatility_percentile": 0-1,     # against the symbol's own history
         "trend": "up" | "down" | "flat", "trend_strength": -100..100,
         "momentum_z": ..., "volume_anomaly": ...,   # volume z-score
         "relative_strength": ...,         # percent points vs the reference
         "liquidity": ..., "rsi": ..., "market_cap": ..., "market_cap_rank": ...,
         "listing_age_days": ..., "pattern": "breakout" | ... | "none",
         "flags": ["volume_spike", "breakout", ...],
         "anomalies": ["log_quote_volume", ...]}
      ],
      "scanned": 2000,                     # symbols in the frame
      "filtered": 812,                     # symbols kept by the universe filter and scored
      "quarantined": ["XYZ/USDT", ...],    # quarantined symbols skipped
      "rejections": {"illiquid": 401, ...},   # symbols rejected per filter reason
      "timings": {"filter": 0.004, "state": 0.01, "indicators": ..., "features": ...,
                  "metrics": ..., "anomaly": ..., "detectors": ..., "scoring": ...,
                  "total": ...}            # seconds per stage
    }
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from simbiot.analysis.market_state import MarketState

__all__ = ["SNAPSHOT_SCHEMA", "SymbolRow", "XRaySnapshot", "render_table"]

SNAPSHOT_SCHEMA = 1


def _num(x: float, digits: int = 6) -> float | None:
    return round(x, digits) if math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class SymbolRow:
    """One ranked symbol of a snapshot."""

    rank: int
    symbol: str
    score: float
    price: float
    change_pct: float
    volatility_pct: float
    volatility_percentile: float
    trend: str
    trend_strength: float
    momentum_z: float
    volume_anomaly: float
    relative_strength: float
    liquidity: float
    rsi: float
    market_cap: float
    market_cap_rank: float
    listing_age_days: float
    pattern: str = "none"
    flags: tuple[str, ...] = ()
    anomalies: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        rank = self.market_cap_rank
        return {
            "rank": self.rank,
            "symbol": self.symbol,
            "score": _num(self.score, 3),
            "price": _num(self.price, 12),
            "change_pct": _num(self.change_pct, 4),
            "volatility_pct": _num(self.volatility_pct, 4),
            "volatility_percentile": _num(self.volatility_percentile, 4),
            "trend": self.trend,
            "trend_strength": _num(self.trend_strength, 3),
            "momentum_z": _num(self.momentum_z, 4),
            "volume_anomaly": _num(self.volume_anomaly, 4),
            "relative_strength": _num(self.relative_strength, 4),
            "liquidity": _num(self.liquidity, 2),
            "rsi": _num(self.rsi, 3),
            "market_cap": _num(self.market_cap, 2),
            "market_cap_rank": int(rank) if math.isfinite(rank) else None,
            "listing_age_days": _num(self.listing_age_days, 3),
            "pattern": self.pattern,
            "flags": list(self.flags),
            "anomalies": list(self.anomalies),
        }


@dataclass(frozen=True, slots=True)
class XRaySnapshot:
    """The whole market at one candle: state, ranked symbols, counts and stage timings."""

    exchange: str
    timeframe: str
    generated_at_ms: int
    candle_ms: int | None
    market_state: MarketState
    symbols: tuple[SymbolRow, ...]
    scanned: int
    filtered: int
    quarantined: tuple[str, ...] = ()
    rejections: Mapping[str, int] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the documented JSON document (see the module docstring)."""
        at = datetime.fromtimestamp(self.generated_at_ms / 1000, tz=UTC)
        return {
            "schema": SNAPSHOT_SCHEMA,
            "exchange": self.exchange,
            "timeframe": self.timeframe,
            "generated_at": at.isoformat(),
            "generated_at_ms": self.generated_at_ms,
            "candle_ms": self.candle_ms,
            "market_state": self.market_state.to_json(),
            "symbols": [row.to_json() for row in self.symbols],
            "scanned": self.scanned,
            "filtered": self.filtered,
            "quarantined": list(self.quarantined),
            "rejections": dict(self.rejections),
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
        }


def _fmt(x: float, spec: str) -> str:
    return format(x, spec) if math.isfinite(x) else "-"


def render_table(snapshot: XRaySnapshot, console: Console, top: int = 20) -> None:
    """Print the market state and the ``top`` ranked symbols as rich tables."""
    st = snapshot.market_state
    ref = st.reference or "breadth-only"
    console.print(
        f"[bold]{snapshot.exchange} {snapshot.timeframe}[/bold]  market: "
        f"[bold]{st.regime.value}[/bold] ({st.confidence:.0%}, {ref})"
        f"{'  [yellow]default state[/yellow]' if st.is_default else ''}"
    )
    for reason in st.reasons:
        console.print(f"  · {reason}")
    table = Table(title=f"X-ray: {snapshot.filtered} of {snapshot.scanned} symbols scored")
    for col in ("#", "symbol", "score", "price", "24h %", "vol %", "trend", "vol z", "flags"):
        table.add_column(col, justify="left" if col in ("symbol", "trend", "flags") else "right")
    for row in snapshot.symbols[:top]:
        table.add_row(
            str(row.rank),
            row.symbol,
            _fmt(row.score, ".1f"),
            _fmt(row.price, ".6g"),
            _fmt(row.change_pct, "+.2f"),
            _fmt(row.volatility_pct, ".2f"),
            row.trend,
            _fmt(row.volume_anomaly, "+.1f"),
            ", ".join(row.flags),
        )
    console.print(table)
    if snapshot.quarantined:
        console.print(f"quarantined: {', '.join(snapshot.quarantined)}")
