"""Dynamic universe filter (F1, F2, F5): which symbols are worth analysing now.

No fixed count and no fixed levels for market-dependent measures: the liquidity, volatility
and spread thresholds come from the current cross-section of the symbols that passed the
data checks, so the filter follows the market as it heats up or cools down.

Rules, each giving a rejection reason (a symbol may collect several):

==================  =========================================================================
``quarantined``     the symbol is in quarantine (G10)
``not_tradable``    markets are known and the symbol is missing, halted or not API-tradable
``no_data``         no valid candle in the window
``stale``           the newest candle is missing
``few_candles``     fewer than ``min_candles`` valid candles
``missing_candles`` share of missing candles since the first one > ``max_missing_share``
``no_movement``     zero volatility (a stuck or pegged price)
``volatility_low``  volatility below the ``volatility_low_quantile`` of the market
``volatility_high`` volatility above the ``volatility_high_quantile`` of the market
``illiquid``        quote volume below the ``liquidity_quantile`` of the market
``wide_spread``     bid/ask spread above the market's median spread × ``spread_k``
==================  =========================================================================
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.analysis.xray._k_candles import candle_counts
from simbiot.analysis.xray.numeric import FloatArray, log_prices
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.errors import DataError
from simbiot.domain.frame import MarketFrame
from simbiot.domain.market import MarketInfo, Ticker

__all__ = ["FilterResult", "UniverseFilter"]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class FilterResult:
    """Kept symbols (frame order), rejection reasons and the thresholds used."""

    kept: tuple[str, ...]
    rejected: Mapping[str, tuple[str, ...]]
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (non-finite thresholds become None)."""
        return {
            "kept": list(self.kept),
            "rejected": {k: list(v) for k, v in self.rejected.items()},
            "thresholds": {
                k: (v if math.isfinite(v) else None) for k, v in self.thresholds.items()
            },
        }

    @classmethod
    def from_json(cls, doc: Any) -> FilterResult:
        """Parse what :meth:`to_json` made; raise DataError on anything else."""
        try:
            kept = tuple(str(s) for s in doc["kept"])
            rejected = {str(k): tuple(str(r) for r in v) for k, v in doc["rejected"].items()}
            thresholds = {
                str(k): (math.nan if v is None else float(v)) for k, v in doc["thresholds"].items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"malformed filter result: {exc}") from exc
        return cls(kept, rejected, thresholds)


class UniverseFilter:
    """Keep symbols by data quality, quarantine, liquidity, volatility and spread."""

    def __init__(self, settings: AnalysisSettings) -> None:
        self._s = settings

    def apply(
        self,
        frame: MarketFrame,
        *,
        tickers: Mapping[str, Ticker] | None = None,
        quarantined: Collection[str] = (),
        markets: Mapping[str, MarketInfo] | None = None,
    ) -> FilterResult:
        """Return the kept symbols and why every other symbol was rejected."""
        s = self._s
        n_sym, n_bars = frame.shape
        reasons: dict[str, BoolArray] = {}
        reasons["quarantined"] = np.array([x in quarantined for x in frame.symbols], dtype=bool)
        if markets is not None:
            reasons["not_tradable"] = np.array(
                [not (m := markets.get(x)) or not m.tradable for x in frame.symbols], dtype=bool
            )
        count = np.empty(n_sym, dtype=np.int64)
        first = np.empty(n_sym, dtype=np.int64)
        last_ok = np.empty(n_sym, dtype=np.bool_)
        candle_counts(frame.close, frame.volume, count, first, last_ok)
        span = np.where(first >= 0, n_bars - first, 0)
        reasons["no_data"] = count == 0
        reasons["stale"] = (count > 0) & ~last_ok
        reasons["few_candles"] = (count > 0) & (count < s.min_candles)
        with np.errstate(all="ignore"):
            missing = 1.0 - count / np.where(span > 0, span, 1)
        reasons["missing_candles"] = (count > 0) & (missing > s.max_missing_share)
        sigma = _recent_sigma(frame.close, s.vol_bars)
        reasons["no_movement"] = (count >= 2) & (sigma == 0)
        base = ~np.logical_or.reduce(list(reasons.values())) & np.isfinite(sigma)
        thresholds: dict[str, float] = {}
        lo, hi = _quantiles(sigma[base], s.volatility_low_quantile, s.volatility_high_quantile)
        thresholds |= {"volatility_low": lo, "volatility_high": hi}
        with np.errstate(invalid="ignore"):
            reasons["volatility_low"] = base & (sigma < lo)
            reasons["volatility_high"] = base & (sigma > hi)
        liquidity, spread = _liquidity_and_spread(frame, tickers, s.liquidity_bars)
        (liq_min,) = _quantiles(liquidity[base & np.isfinite(liquidity)], s.liquidity_quantile)
        thresholds["liquidity_min"] = liq_min
        with np.errstate(invalid="ignore"):
            reasons["illiquid"] = base & ~(liquidity >= liq_min)
        known = base & np.isfinite(spread)
        spread_max = float(np.median(spread[known])) * s.spread_k if known.any() else math.nan
        thresholds["spread_max"] = spread_max
        with np.errstate(invalid="ignore"):
            reasons["wide_spread"] = known & (spread > spread_max)
        return _result(frame.symbols, reasons, thresholds)


def _recent_sigma(close: FloatArray, bars: int) -> FloatArray:
    """Std of the newest ``bars`` one-bar log returns per row (NaN with < 2 returns)."""
    r = np.diff(log_prices(close[:, -(bars + 1) :]), axis=1)
    ok = np.isfinite(r)
    n = ok.sum(axis=1)
    with np.errstate(all="ignore"):
        mean = np.where(ok, r, 0.0).sum(axis=1) / n
        var = np.where(ok, (r - mean[:, None]) ** 2, 0.0).sum(axis=1) / (n - 1)
    return np.where(n >= 2, np.sqrt(var), np.nan)


def _quantiles(values: FloatArray, *qs: float) -> tuple[float, ...]:
    if values.size == 0:
        return tuple(math.nan for _ in qs)
    return tuple(float(v) for v in np.quantile(values, qs))


def _liquidity_and_spread(
    frame: MarketFrame, tickers: Mapping[str, Ticker] | None, bars: int
) -> tuple[FloatArray, FloatArray]:
    tail = frame.close[:, -bars:] * frame.volume[:, -bars:]
    with np.errstate(invalid="ignore"):
        liquidity = np.where(np.isfinite(tail).any(axis=1), np.nansum(tail, axis=1), np.nan)
    spread = np.full(frame.shape[0], np.nan)
    if tickers:
        # Tickers arrive as a per-symbol mapping: one dict lookup per symbol.
        for i, sym in enumerate(frame.symbols):
            t = tickers.get(sym)
            if t is None:
                continue
            if t.quote_volume is not None and math.isfinite(t.quote_volume):
                liquidity[i] = t.quote_volume
            sp = t.spread
            if sp is not None and math.isfinite(sp):
                spread[i] = sp
    return liquidity, spread


def _result(
    symbols: tuple[str, ...], reasons: Mapping[str, BoolArray], thresholds: dict[str, float]
) -> FilterResult:
    names = list(reasons)
    table = np.stack([reasons[k] for k in names], axis=1)
    bad = table.any(axis=1)
    kept = tuple(symbols[i] for i in np.flatnonzero(~bad))
    rejected = {
        symbols[i]: tuple(names[j] for j in np.flatnonzero(table[i])) for i in np.flatnonzero(bad)
    }
    return FilterResult(kept, rejected, thresholds)
