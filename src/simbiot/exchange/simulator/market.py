"""The live view of the simulated markets: current candle, prices, tickers, order books."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from simbiot.exchange.simulator.clock import SimClock
from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.formats import dec
from simbiot.exchange.simulator.tape import Tape
from simbiot.exchange.simulator.universe import Universe

__all__ = ["Book", "Markets"]

FloatArray = npt.NDArray[np.float64]
_DAY_MS = 86_400_000
BOOK_LEVELS = 20
_STATS_BLOCK = 128


@dataclass(frozen=True, slots=True)
class Book:
    """One side-by-side snapshot of a market's book, best levels first."""

    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]


class Markets:
    """Reads the tape at the simulated clock's current candle."""

    def __init__(self, tape: Tape, clock: SimClock) -> None:
        self.tape = tape
        self.clock = clock
        self.universe: Universe = tape.universe
        self._stats_at: int | None = None
        self._stats: FloatArray = np.empty((0, 0))

    def index_at(self, ms: int) -> int:
        """Return the candle index containing simulated time ``ms``."""
        return (ms - self.tape.origin_ms) // self.tape.timeframe_ms

    def current_index(self) -> int:
        """Return the current candle index, generating candles up to it."""
        index = self.index_at(self.clock.now_ms())
        self.tape.ensure(index)
        return min(index, self.tape.last_index())

    def open_time(self, index: int) -> int:
        """Return the open time of candle ``index``."""
        return self.tape.origin_ms + index * self.tape.timeframe_ms

    def resolve(self, market_id: str | None, *, trading: bool = False) -> int:
        """Return the index of a listed market by venue id; raise MEXC's error otherwise."""
        if not market_id:
            raise SimApiError.bad_param("Mandatory parameter 'symbol' was not sent.")
        i = self.universe.by_id.get(market_id)
        if i is None or not self.universe.listed(i, self.current_index()):
            raise SimApiError.invalid_symbol()
        if trading and not self.universe.api_allowed[i]:
            raise SimApiError.not_api()
        return i

    def listed(self) -> list[int]:
        """Return the indexes of markets trading now."""
        return [int(i) for i in np.flatnonzero(self.universe.listed_mask(self.current_index()))]

    def last_price(self, i: int) -> float:
        """Return market ``i``'s latest close."""
        return float(self.tape.column(self.current_index())[3, i])

    def stats(self) -> FloatArray:
        """Return 24-hour statistics of every market as (7, markets).

        Rows: open, high, low, last, base volume, quote volume, previous close. Computed
        once per candle, since a 5000-market window is tens of megabytes.
        """
        k = self.current_index()
        if self._stats_at == k:
            return self._stats
        span = max(1, _DAY_MS // self.tape.timeframe_ms)
        lo = max(k - span + 1, self.tape.first_stored())
        n = len(self.universe)
        opens = np.full(n, np.nan)
        high = np.full(n, -np.inf)
        low = np.full(n, np.inf)
        volume = np.zeros(n)
        quote_volume = np.zeros(n)
        prev = np.full(n, np.nan)
        # Blocks of candles keep the working set small for thousands of markets.
        for a in range(lo, k + 1, _STATS_BLOCK):
            cols = self.tape.block(a, min(a + _STATS_BLOCK - 1, k))
            closes = cols[:, 3, :]
            ok = ~np.isnan(closes)
            seen = ok.any(axis=0)
            fresh = seen & np.isnan(opens)
            first = ok.argmax(axis=0)
            opens[fresh] = cols[first[fresh], 0, np.flatnonzero(fresh)]
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                high = np.fmax(high, np.nanmax(cols[:, 1, :], axis=0))
                low = np.fmin(low, np.nanmin(cols[:, 2, :], axis=0))
            volume += np.nansum(cols[:, 4, :], axis=0)
            quote_volume += np.nansum(cols[:, 4, :] * closes, axis=0)
        if k - 1 >= lo:
            prev = self.tape.column(k - 1)[3].copy()
        last = self.tape.column(k)[3]
        prev = np.where(np.isnan(prev), opens, prev)
        out = np.stack([opens, high, low, last, volume, quote_volume, prev])
        self._stats_at, self._stats = k, out
        return out

    def book(self, i: int, levels: int = BOOK_LEVELS) -> Book:
        """Return market ``i``'s order book around its latest close.

        Spread and per-level depth are the market's own, so thin markets have few coins
        near the price and large orders walk many levels.
        """
        u = self.universe
        price = self.last_price(i)
        pd, ad = int(u.price_decimals[i]), int(u.amount_decimals[i])
        half = u.spread_bps[i] / 2e4
        step = max(half, 10.0**-pd / price)
        j = np.arange(levels)
        ask_px = price * (1 + half + j * step)
        bid_px = price * (1 - half - j * step)
        qty = u.level_depth_quote[i] * (1 + 0.3 * j) / price
        asks = [(dec(p, pd, "up"), dec(q, ad, "down")) for p, q in zip(ask_px, qty, strict=True)]
        bids = [
            (dec(p, pd, "down"), dec(q, ad, "down"))
            for p, q in zip(bid_px, qty, strict=True)
            if p > 0
        ]
        return Book(bids=[b for b in bids if b[0] > 0], asks=asks)
