"""The candle store port: closed candles of one exchange and timeframe, per symbol."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from simbiot.domain.frame import MarketFrame
from simbiot.domain.market import Candles

__all__ = ["CandleStore"]


@runtime_checkable
class CandleStore(Protocol):
    """Persistent candles of one (exchange, timeframe); the Parquet store and its twin."""

    @property
    def exchange(self) -> str: ...

    @property
    def timeframe(self) -> str: ...

    def read(self, symbol: str) -> Candles:
        """Return every stored candle of ``symbol`` (empty when none)."""
        ...

    def last_timestamp(self, symbol: str) -> int | None:
        """Open time of the newest stored candle of ``symbol``, or None."""
        ...

    def symbols(self) -> list[str]:
        """Every symbol with stored candles, sorted."""
        ...

    def append(self, candles: Candles) -> int:
        """Merge ``candles`` in (same open time: the new row wins); return rows added."""
        ...

    def append_many(self, batch: Iterable[Candles]) -> dict[str, int]:
        """Merge several symbols' candles; return rows added per symbol."""
        ...

    def load_frame(self, symbols: Sequence[str] | None = None, window: int = 500) -> MarketFrame:
        """Return the newest ``window`` candles of ``symbols`` (all when None) aligned."""
        ...
