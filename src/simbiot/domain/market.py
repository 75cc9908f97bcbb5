"""Market values: candle frames and market (symbol) metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import numpy as np
import numpy.typing as npt

__all__ = ["CANDLE_COLUMNS", "Candles", "MarketInfo", "MarketStatus", "Ticker"]

CANDLE_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Candles:
    """Closed candles of one symbol, columnar, sorted by ``timestamp`` (ms, UTC, open time)."""

    symbol: str
    timeframe: str
    timestamp: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __post_init__(self) -> None:
        n = len(self.timestamp)
        for name in CANDLE_COLUMNS[1:]:
            if len(getattr(self, name)) != n:
                raise ValueError(f"column {name} has {len(getattr(self, name))} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.timestamp)

    @classmethod
    def empty(cls, symbol: str, timeframe: str) -> Candles:
        """Return a frame with no rows."""
        f = np.empty(0, dtype=np.float64)
        return cls(symbol, timeframe, np.empty(0, dtype=np.int64), f, f, f, f, f)

    def slice(self, start: int, stop: int | None = None) -> Candles:
        """Return rows ``start:stop`` as a new frame (views, no copy)."""
        s = slice(start, stop)
        return Candles(
            self.symbol,
            self.timeframe,
            self.timestamp[s],
            self.open[s],
            self.high[s],
            self.low[s],
            self.close[s],
            self.volume[s],
        )

    @property
    def last_timestamp(self) -> int | None:
        """Open time of the newest candle, or None for an empty frame."""
        return int(self.timestamp[-1]) if len(self.timestamp) else None


class MarketStatus(StrEnum):
    """Trading status of a market."""

    TRADING = "trading"
    HALTED = "halted"
    DELISTED = "delisted"


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """Static facts about one market, as the venue states them (D5)."""

    exchange: str
    symbol: str  # unified ccxt form, e.g. "BTC/USDT"
    base: str
    quote: str
    price_step: Decimal  # smallest price increment
    amount_step: Decimal  # smallest amount increment
    min_amount: Decimal = Decimal(0)
    min_notional: Decimal = Decimal(0)
    status: MarketStatus = MarketStatus.TRADING
    api_tradable: bool = True
    exchange_id: str = ""  # the venue's own id, e.g. "BTCUSDT"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def tradable(self) -> bool:
        """Whether orders may be sent for this market through the API."""
        return self.status is MarketStatus.TRADING and self.api_tradable


@dataclass(frozen=True, slots=True)
class Ticker:
    """The latest 24 h statistics of one market."""

    symbol: str
    timestamp: int  # ms
    last: float
    bid: float | None = None
    ask: float | None = None
    base_volume: float | None = None
    quote_volume: float | None = None
    change_pct: float | None = None

    @property
    def spread(self) -> float | None:
        """Relative bid/ask spread, or None when either side is unknown."""
        if self.bid is None or self.ask is None or self.bid <= 0 or self.ask <= 0:
            return None
        mid = (self.bid + self.ask) / 2
        return (self.ask - self.bid) / mid
