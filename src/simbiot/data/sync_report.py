"""What one candle sync did: counts per outcome, candles, requests, time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from simbiot.data.cleaning import CleaningReport

__all__ = ["SyncReport"]

_RULES = (
    "non_finite",
    "misaligned",
    "future",
    "unfinished",
    "non_positive_price",
    "negative_volume",
    "high_low_dropped",
    "high_low_repaired",
    "unsorted",
    "duplicates",
    "gaps",
)


@dataclass(slots=True)
class SyncReport:
    """Outcome of :meth:`simbiot.data.sync.CandleSync.run`."""

    exchange: str
    timeframe: str
    symbols_total: int = 0
    symbols_ok: int = 0
    symbols_failed: int = 0
    symbols_skipped: int = 0  # quarantined before the run
    symbols_not_attempted: int = 0  # left when the network check failed
    candles: int = 0  # rows added to the store
    requests: int = 0  # candle requests sent
    pings: int = 0
    batches: int = 0
    messages: int = 0
    seconds: float = 0.0
    network_down: bool = False
    failures: dict[str, str] = field(default_factory=dict)
    quarantined: list[str] = field(default_factory=list)
    cleaning: Counter[str] = field(default_factory=Counter)

    def add_cleaning(self, report: CleaningReport) -> None:
        """Add one symbol's cleaning counts to the totals."""
        for rule in _RULES:
            n = getattr(report, rule)
            if n:
                self.cleaning[rule] += n

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-friendly summary."""
        return {
            "exchange": self.exchange,
            "timeframe": self.timeframe,
            "symbols_total": self.symbols_total,
            "symbols_ok": self.symbols_ok,
            "symbols_failed": self.symbols_failed,
            "symbols_skipped": self.symbols_skipped,
            "symbols_not_attempted": self.symbols_not_attempted,
            "candles": self.candles,
            "requests": self.requests,
            "pings": self.pings,
            "batches": self.batches,
            "messages": self.messages,
            "seconds": round(self.seconds, 3),
            "network_down": self.network_down,
            "quarantined": list(self.quarantined),
            "cleaning": dict(self.cleaning),
        }
