"""A seeded synthetic market, generated one candle at a time for every market at once.

Each candle draws from a generator seeded by (seed, candle index), so the same seed yields
the same market whenever and in whatever chunks it is generated. Returns combine a market
factor (beta-weighted), idiosyncratic noise, persistent trends, jumps, and a market-wide
calm/volatile regime. Only a ring of recent candles is kept (float32), so memory stays
bounded: 5000 markets x 1000 candles x 5 fields = 100 MB at most.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simbiot.exchange.simulator.universe import Universe, synthetic_universe

__all__ = ["SyntheticTape"]

FloatArray = npt.NDArray[np.float64]
_YEAR_MS = 365 * 86_400_000
# Regime switching probabilities per candle (calm -> volatile, volatile -> calm).
_TO_VOLATILE, _TO_CALM, _VOLATILE_MULT = 0.002, 0.01, 2.5
_TREND_SWITCH, _JUMP_P = 0.003, 0.0005


class SyntheticTape:
    """Candles of a generated universe; see the module docstring."""

    def __init__(
        self,
        *,
        symbols: int,
        seed: int,
        quote: str,
        timeframe_ms: int,
        origin_ms: int,
        start_index: int,
        capacity: int,
        listing_share: float = 0.03,
        delisting_share: float = 0.02,
        not_api_share: float = 0.02,
    ) -> None:
        self.timeframe_ms = timeframe_ms
        self.origin_ms = origin_ms
        self._seed = seed
        self.universe, prices, vols = synthetic_universe(
            symbols,
            seed=seed,
            quote=quote,
            start_index=start_index,
            listing_share=listing_share,
            delisting_share=delisting_share,
            not_api_share=not_api_share,
        )
        u: Universe = self.universe
        rng = np.random.default_rng([seed, 0xBE7A])
        n = len(u)
        self._sigma = vols * np.sqrt(timeframe_ms / _YEAR_MS)
        self._beta = np.where(np.arange(n) == 0, 1.0, rng.uniform(0.3, 1.5, n))
        self._base_volume = u.level_depth_quote * 20 / prices
        self._price = prices.astype(np.float64)
        self._trend = np.zeros(n)
        self._volatile = False
        self._cap = capacity
        self._ring = np.full((capacity, 5, n), np.nan, dtype=np.float32)
        self._next = 0

    def ensure(self, index: int) -> None:
        """Generate candles up to ``index`` (inclusive)."""
        while self._next <= index:
            self._ring[self._next % self._cap] = self._step(self._next)
            self._next += 1

    def first_stored(self) -> int:
        """Return the oldest candle index still in the ring."""
        return max(0, self._next - self._cap)

    def last_index(self) -> int:
        """Return the newest generated candle index (-1 before the first)."""
        return self._next - 1

    def rows(self, market: int, lo: int, hi: int) -> FloatArray:
        """Return candles ``lo..hi`` of ``market`` (NaN rows dropped) as index, OHLCV."""
        lo, hi = max(lo, self.first_stored()), min(hi, self.last_index())
        if hi < lo:
            return np.empty((0, 6))
        idx = np.arange(lo, hi + 1)
        data = self._ring[idx % self._cap, :, market].astype(np.float64)
        out = np.column_stack([idx.astype(np.float64), data])
        return out[~np.isnan(out[:, 4])]

    def column(self, index: int) -> FloatArray:
        """Return candle ``index`` of every market as (5, markets)."""
        if not self.first_stored() <= index <= self.last_index():
            raise IndexError(f"candle {index} is not held")
        out: FloatArray = self._ring[index % self._cap].astype(np.float64)
        return out

    def block(self, lo: int, hi: int) -> FloatArray:
        """Return candles ``lo..hi`` of every market as (n, 5, markets)."""
        if not self.first_stored() <= lo <= hi <= self.last_index():
            raise IndexError(f"candles {lo}..{hi} are not all held")
        out: FloatArray = self._ring[np.arange(lo, hi + 1) % self._cap].astype(np.float64)
        return out

    def _step(self, k: int) -> npt.NDArray[np.float32]:
        u = self.universe
        n = len(u)
        rng = np.random.default_rng([self._seed, k])
        if rng.random() < (_TO_CALM if self._volatile else _TO_VOLATILE):
            self._volatile = not self._volatile
        mult = _VOLATILE_MULT if self._volatile else 1.0
        switch = rng.random(n) < _TREND_SWITCH
        self._trend[switch] = rng.integers(-1, 2, int(switch.sum()))
        sigma = self._sigma * mult
        factor = rng.standard_normal() * self._sigma[0] * mult
        jumps = (rng.random(n) < _JUMP_P) * rng.standard_normal(n) * 8 * self._sigma
        ret = (
            self._beta * factor
            + rng.standard_normal(n) * sigma * 0.8
            + self._trend * 0.25 * self._sigma
            + jumps
        )
        listed = u.listed_mask(k)
        opens = self._price
        closes = np.where(listed, opens * np.exp(ret), opens)
        wick_up = np.abs(rng.standard_normal(n)) * 0.5 * sigma
        wick_dn = np.abs(rng.standard_normal(n)) * 0.5 * sigma
        highs = np.maximum(opens, closes) * np.exp(wick_up)
        lows = np.minimum(opens, closes) * np.exp(-wick_dn)
        volume = (
            self._base_volume
            * np.exp(0.5 * rng.standard_normal(n))
            * (1 + 3 * np.abs(ret) / self._sigma)
        )
        self._price = closes
        out = np.stack([opens, highs, lows, closes, volume]).astype(np.float32)
        out[:, ~listed] = np.nan
        return out
