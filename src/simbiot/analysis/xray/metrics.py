"""Token metrics (A6): one row of dynamic, volatility-aware measures per symbol.

Every measure is computed for all symbols at once from the shared ``IndicatorBank``; a
symbol without a current candle gets NaN measures (never an exception), so one bad symbol
cannot disturb the others.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Protocol

import numpy as np

from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.analysis.xray.numeric import (
    FloatArray,
    first_valid_index,
    last_column,
    log_prices,
    own_percentile,
)
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.market import Ticker
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["TokenFacts", "TokenMetadata", "TokenMetrics", "compute_metrics"]

_DAY_MS = 86_400_000


class TokenFacts(Protocol):
    """What the X-ray reads of a token's metadata (the data layer's market profile fits).

    An optional ``listed_at_ms`` attribute (listing time, ms UTC) is used when present.
    """

    @property
    def market_cap(self) -> float | None: ...

    @property
    def rank(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class TokenMetadata:
    """A plain ``TokenFacts``: what a metadata source knows about a token."""

    market_cap: float | None = None
    rank: int | None = None  # market-cap rank
    listed_at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class TokenMetrics:
    """Per-symbol measures, each a 1-D float64 array aligned with ``symbols``."""

    symbols: tuple[str, ...]
    price: FloatArray  # newest close
    change_pct: FloatArray  # over the last 24 h (ticker when given, else candles)
    volatility_pct: FloatArray  # per-bar sigma of log returns, in percent
    volatility_percentile: FloatArray  # current sigma against the symbol's own history, 0-1
    slope_z: FloatArray  # EMA slope in units of sigma × sqrt(bars)
    trend_strength: FloatArray  # ADX signed by the EMA slope, -100..100
    momentum_z: FloatArray  # log return over momentum_bars in units of sigma × sqrt(bars)
    volume_z: FloatArray  # z-score of the newest volume
    liquidity: FloatArray  # quote volume (ticker 24 h when given, else liquidity_bars)
    relative_strength: FloatArray  # momentum log return minus the reference's, percent points
    rsi: FloatArray
    age_bars: FloatArray  # valid candles since the first one in the window
    listing_age_days: FloatArray  # from metadata, else from a first candle inside the window
    market_cap: FloatArray
    market_cap_rank: FloatArray

    def row(self, i: int) -> dict[str, float]:
        """All measures of the symbol at row ``i``."""
        return {
            f.name: float(getattr(self, f.name)[i]) for f in fields(self) if f.name != "symbols"
        }


def compute_metrics(
    bank: IndicatorBank,
    settings: AnalysisSettings,
    *,
    reference_close: FloatArray | None,
    tickers: Mapping[str, Ticker] | None = None,
    metadata: Mapping[str, TokenFacts] | None = None,
) -> TokenMetrics:
    """Measure every symbol of ``bank.frame`` at its newest candle.

    ``reference_close`` is the reference symbol's close on the same time axis (relative
    strength is measured against it; without it, against the median symbol).
    """
    s = settings
    f = bank.frame
    n_sym, n_bars = f.shape

    def logc_at(lag: int) -> FloatArray:
        """log(close) ``lag`` candles before the newest: three columns, not the window."""
        return log_prices(last_column(f.close, lag))

    price = last_column(f.close)
    sigma_hist = bank.sigma(s.vol_bars)
    sigma = last_column(sigma_hist)
    with np.errstate(all="ignore"):
        safe_sigma = np.where(sigma > 0, sigma, np.nan)
        vol_pct = own_percentile(sigma_hist[:, :-1], sigma)
        ema = bank.ema(s.token_ema_period)
        L = s.state_slope_bars
        slope = np.log(last_column(ema)) - np.log(last_column(ema, L))
        slope_z = slope / (safe_sigma * math.sqrt(L))
        slope_z = np.where(slope == 0, 0.0, slope_z)
        M = s.momentum_bars
        mom = logc_at(0) - logc_at(M)
        momentum_z = np.where(mom == 0, 0.0, mom / (safe_sigma * math.sqrt(M)))
        adx = last_column(bank.adx(s.adx_period))
        trend_strength = adx * np.sign(np.nan_to_num(slope_z))
        if reference_close is not None:
            ref_log = np.log(reference_close)
            rel = mom - (ref_log[-1] - ref_log[-1 - M] if len(ref_log) > M else np.nan)
        else:  # no reference: strength against the median symbol
            rel = mom - (np.nanmedian(mom) if np.isfinite(mom).any() else np.nan)
        day_bars = max(1, _DAY_MS // timeframe_ms(f.timeframe))
        change_pct = 100.0 * np.expm1(logc_at(0) - logc_at(day_bars))
        tail = f.close[:, -s.liquidity_bars :] * f.volume[:, -s.liquidity_bars :]
        liquidity = np.where(np.isfinite(tail).any(axis=1), np.nansum(tail, axis=1), np.nan)
    first = first_valid_index(f.close)
    age_bars = np.where(first >= 0, n_bars - first, 0).astype(np.float64)
    first_ms = np.where(first >= 0, f.timestamp[np.clip(first, 0, None)], -1) if n_bars else first
    newest_ms = int(f.timestamp[-1]) if n_bars else 0
    # A first candle at the window's start only says "older than the window": unknown age.
    age_days = np.where(first > 0, (newest_ms - first_ms) / _DAY_MS, np.nan)
    cap = np.full(n_sym, np.nan)
    rank = np.full(n_sym, np.nan)
    # Tickers and metadata arrive as per-symbol mappings: one dict lookup per symbol.
    for i, sym in enumerate(f.symbols):
        t = tickers.get(sym) if tickers else None
        if t is not None:
            if t.change_pct is not None and math.isfinite(t.change_pct):
                change_pct[i] = t.change_pct
            if t.quote_volume is not None and math.isfinite(t.quote_volume):
                liquidity[i] = t.quote_volume
        m = metadata.get(sym) if metadata else None
        if m is not None:
            if m.market_cap is not None:
                cap[i] = m.market_cap
            if m.rank is not None:
                rank[i] = m.rank
            listed = getattr(m, "listed_at_ms", None)
            if isinstance(listed, int):
                age_days[i] = max(0.0, (newest_ms - listed) / _DAY_MS)
    return TokenMetrics(
        symbols=f.symbols,
        price=price,
        change_pct=change_pct,
        volatility_pct=100.0 * sigma,
        volatility_percentile=vol_pct,
        slope_z=slope_z,
        trend_strength=trend_strength,
        momentum_z=momentum_z,
        volume_z=last_column(bank.volume_z(s.volume_z_bars)),
        liquidity=liquidity,
        relative_strength=100.0 * rel,
        rsi=last_column(bank.rsi(s.rsi_period)),
        age_bars=age_bars,
        listing_age_days=age_days,
        market_cap=cap,
        market_cap_rank=rank,
    )
