"""Replay of historical candles from a directory of ``<BASE>_<QUOTE>.parquet`` files.

Data row ``k`` (the first timestamp in any file plus ``k`` timeframes) becomes candle ``k``
of the simulation, so the simulated market's history and future are the files' own,
shifted in time. A market trades from its first to its last row (a file that ends early is
a delisting); once every file has ended, simulated time runs on but the market stands still
at its last candle.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq

from simbiot.domain.errors import ConfigError
from simbiot.exchange.simulator.universe import Universe, derive_precision

__all__ = ["ReplayTape"]

FloatArray = npt.NDArray[np.float64]
_MAJORS = ("BTC", "ETH", "BNB")


def _load(path: Path) -> FloatArray:
    table = pq.read_table(path, columns=["timestamp", "open", "high", "low", "close", "volume"])
    return np.column_stack([table.column(i).to_numpy().astype(np.float64) for i in range(6)])


def _order(path: Path) -> tuple[int, str]:
    base = path.stem.split("_")[0]
    return (_MAJORS.index(base) if base in _MAJORS else len(_MAJORS), base)


class ReplayTape:
    """Candles replayed from Parquet files; see the module docstring."""

    def __init__(
        self, directory: Path, *, quote: str, start_ms: int, start_index: int, symbols: int
    ) -> None:
        files = sorted(directory.glob(f"*_{quote}.parquet"))
        if not files:
            raise ConfigError(f"no *_{quote}.parquet candle files in {directory}")
        # BTC first (the reference market), then the other majors, then alphabetical.
        files = sorted(files, key=_order)[:symbols]
        frames = [_load(p) for p in files]
        steps = np.concatenate([np.diff(f[:, 0]) for f in frames if len(f) > 1])
        if steps.size == 0:
            raise ConfigError(f"candle files in {directory} hold too few rows")
        self.timeframe_ms = int(steps.min())
        self.origin_ms = start_ms - start_ms % self.timeframe_ms - start_index * self.timeframe_ms
        first = min(int(f[0, 0]) for f in frames if len(f))
        last = max(int(f[-1, 0]) for f in frames if len(f))
        length = (last - first) // self.timeframe_ms + 1
        self._data = np.full((length, 5, len(files)), np.nan)
        for j, f in enumerate(frames):
            rows = (f[:, 0].astype(np.int64) - first) // self.timeframe_ms
            self._data[rows, :, j] = f[:, 1:6]
        valid = ~np.isnan(self._data[:, 3, :])
        listed = valid.argmax(axis=0).astype(np.int64)
        delisted = (length - valid[::-1].argmax(axis=0)).astype(np.int64)
        prices = np.nanmedian(self._data[:, 3, :], axis=0)
        quote_volume = np.nanmedian(self._data[:, 3, :] * self._data[:, 4, :], axis=0)
        price_dec, amount_dec = derive_precision(prices)
        bases = tuple(p.stem.split("_")[0] for p in files)
        self.universe = Universe(
            quote=quote,
            bases=bases,
            names=bases,
            coingecko_ids=tuple(b.lower() for b in bases),
            price_decimals=price_dec,
            amount_decimals=amount_dec,
            min_notional=np.full(len(files), 5.0),
            list_index=listed,
            delist_index=np.where(delisted >= length, length, delisted),
            api_allowed=np.ones(len(files), dtype=bool),
            # A level holds ~1% of a typical candle's quote volume; busier markets quote tighter.
            spread_bps=np.clip(200 / np.sqrt(np.maximum(quote_volume, 1) / 1e4), 0.5, 200),
            level_depth_quote=np.maximum(quote_volume * 0.01, 50.0),
            supply=np.full(len(files), 1e9),
        )
        self._length = length

    def ensure(self, index: int) -> None:
        """All replayed candles are loaded up front."""

    def first_stored(self) -> int:
        """Return 0: the whole replay is held."""
        return 0

    def last_index(self) -> int:
        """Return the index of the last replayed candle."""
        return self._length - 1

    def rows(self, market: int, lo: int, hi: int) -> FloatArray:
        """Return candles ``lo..hi`` of ``market`` (NaN rows dropped) as index, OHLCV."""
        lo, hi = max(lo, 0), min(hi, self._length - 1)
        if hi < lo:
            return np.empty((0, 6))
        idx = np.arange(lo, hi + 1)
        out = np.column_stack([idx.astype(np.float64), self._data[lo : hi + 1, :, market]])
        kept: FloatArray = out[~np.isnan(out[:, 4])]
        return kept

    def column(self, index: int) -> FloatArray:
        """Return candle ``index`` of every market as (5, markets)."""
        if not 0 <= index < self._length:
            raise IndexError(f"candle {index} is beyond the replay")
        col: FloatArray = self._data[index]
        return col

    def block(self, lo: int, hi: int) -> FloatArray:
        """Return candles ``lo..hi`` of every market as (n, 5, markets)."""
        if not 0 <= lo <= hi < self._length:
            raise IndexError(f"candles {lo}..{hi} are beyond the replay")
        out: FloatArray = self._data[lo : hi + 1]
        return out
