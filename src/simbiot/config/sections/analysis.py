"""Configuration of the market X-ray and of signals."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from simbiot.config.sections.base import FrozenModel

__all__ = ["AnalysisSettings", "SignalsSettings"]


class AnalysisSettings(FrozenModel):
    """The market X-ray: reference symbols, windows and dynamic-threshold multipliers."""

    # Market state is read from the first of these that has data and is not quarantined.
    reference_symbols: tuple[str, ...] = ("BTC/USDT", "ETH/USDT", "BNB/USDT")
    # Candles of history the X-ray loads per symbol.
    window: int = Field(500, ge=50, le=100_000)
    # How many ranked symbols a snapshot keeps.
    top: int = Field(30, ge=1, le=10_000)

    # --- market state (A3, C4); price moves are measured in units of the reference's own
    # per-bar volatility sigma, so the same percent move means more in a calm market.
    # EMA whose slope defines the trend, and the bars over which the slope is measured.
    state_ema_period: int = Field(50, ge=2, le=1_000)
    state_slope_bars: int = Field(10, ge=1, le=500)
    # Bars of returns that measure the baseline sigma (taken before the crash window).
    state_vol_bars: int = Field(100, ge=10, le=10_000)
    # A trend counts when |EMA slope| > trend_k × sigma × sqrt(slope bars).
    trend_k: float = Field(1.0, gt=0)
    # Momentum horizon (bars); momentum is the vol-scaled log return over it.
    momentum_bars: int = Field(20, ge=1, le=1_000)
    # Crash: drop from the recent peak over crash_bars exceeds crash_m × sigma × sqrt(crash_bars).
    crash_bars: int = Field(24, ge=1, le=1_000)
    crash_m: float = Field(3.0, gt=0)
    # High volatility: recent sigma (over high_vol_bars) exceeds high_vol_ratio × baseline sigma.
    high_vol_bars: int = Field(24, ge=2, le=1_000)
    high_vol_ratio: float = Field(1.8, gt=1)
    # A reference symbol needs this many consecutive valid candles at the end of the window.
    min_reference_candles: int = Field(120, ge=10)
    # Breadth (share of symbols above their EMA) confirms a trend beyond 0.5 ± breadth_margin.
    breadth_margin: float = Field(0.1, ge=0, le=0.5)

    # --- token metrics (A6)
    # EMA whose vol-scaled slope over state_slope_bars gives each token's trend direction.
    token_ema_period: int = Field(26, ge=2, le=1_000)
    # Bars of returns for each symbol's per-bar volatility; its percentile uses the whole window.
    vol_bars: int = Field(48, ge=5, le=10_000)
    adx_period: int = Field(14, ge=2, le=500)
    atr_period: int = Field(14, ge=1, le=500)
    rsi_period: int = Field(14, ge=2, le=500)
    volume_z_bars: int = Field(20, ge=3, le=1_000)
    # Bars summed into a symbol's quote-volume liquidity when no ticker gives it.
    liquidity_bars: int = Field(24, ge=1, le=10_000)
    # Bars since the first valid candle below which a symbol counts as a new listing.
    new_listing_bars: int = Field(72, ge=1)

    # --- anomaly detection (A2): robust z = (x - median) / (1.4826 × MAD) per symbol.
    anomaly_bars: int = Field(200, ge=20, le=10_000)
    anomaly_z: float = Field(6.0, gt=0)
    # Fewer valid history points than this → the market-wide normal range is used instead.
    anomaly_min_history: int = Field(30, ge=5)

    # Compute the fused indicator set and the feature set on every run even when no
    # detector reads features (they are otherwise computed only for detectors that do).
    features_always: bool = False
    # Threads that compute the indicators and features of one X-ray run, each on its own
    # share of the symbols (1 = only the calling thread); the values do not depend on it.
    workers: int = Field(2, ge=1, le=64)

    # --- detectors (A4, A5)
    # ADX above this is a directional market (ADX is already normalised to 0-100).
    adx_trend: float = Field(20.0, ge=0, le=100)
    donchian_bars: int = Field(20, ge=2, le=1_000)
    bb_period: int = Field(20, ge=2, le=1_000)
    bb_nbdev: float = Field(2.0, gt=0)
    # Keltner channel half-width in ATRs; Bollinger inside it is a squeeze.
    keltner_atr: float = Field(1.5, gt=0)
    # Bars per block when testing higher highs / higher lows over three blocks.
    structure_bars: int = Field(5, ge=2, le=200)

    # --- scoring (A7): weights of the cross-sectional percentile of each component in the
    # potential score (normalised by their sum, so only ratios matter).
    w_momentum: float = Field(0.30, ge=0)
    w_trend: float = Field(0.20, ge=0)
    w_relative_strength: float = Field(0.20, ge=0)
    w_volume: float = Field(0.15, ge=0)
    w_liquidity: float = Field(0.10, ge=0)
    w_pattern: float = Field(0.05, ge=0)
    # Score points removed from a symbol with anomalous metrics (risk of bad data or manipulation).
    anomaly_penalty: float = Field(10.0, ge=0, le=100)
    # Flags: volume z-score of a spike, RSI levels (already normalised 0-100).
    volume_spike_z: float = Field(3.0, gt=0)
    rsi_overbought: float = Field(70.0, gt=50, le=100)
    rsi_oversold: float = Field(30.0, ge=0, lt=50)

    # --- universe filter (F1): thresholds come from the current cross-section.
    # Keep symbols whose liquidity is above this quantile of the market's.
    liquidity_quantile: float = Field(0.2, ge=0, lt=1)
    # Keep symbols whose volatility lies within these percentiles of the market's.
    volatility_low_quantile: float = Field(0.02, ge=0, lt=0.5)
    volatility_high_quantile: float = Field(0.99, gt=0.5, le=1)
    # Keep symbols whose spread is below median spread × spread_k.
    spread_k: float = Field(3.0, gt=1)
    # Largest share of missing candles since a symbol's first one (data quality).
    max_missing_share: float = Field(0.05, ge=0, le=1)
    # Fewest valid candles a symbol needs to be analysed at all.
    min_candles: int = Field(30, ge=2)

    @model_validator(mode="after")
    def _scoring_has_weight(self) -> AnalysisSettings:
        weights = (
            self.w_momentum,
            self.w_trend,
            self.w_relative_strength,
            self.w_volume,
            self.w_liquidity,
            self.w_pattern,
        )
        if sum(weights) <= 0:
            raise ValueError("at least one scoring weight (w_*) must be positive")
        return self


class SignalsSettings(FrozenModel):
    """Strategies, signal evaluation, the blacklist (S1-S5)."""

    # Directory of user rule files (*.yaml) loaded beside the built-in strategies.
    rules_dir: Path | None = Path("config/strategies")
    # Indicator arrays kept between cycles, shared by all configurations (S3), in MiB.
    indicator_cache_mb: int = Field(512, ge=1, le=65_536)
    # Expected value of a signal: mean return over this many bars after the strategy's
    # past entries on the symbol, shrunk toward its market-wide mean by ev_prior_weight.
    ev_horizon_bars: int = Field(12, ge=1, le=10_000)
    ev_prior_weight: float = Field(10.0, ge=0)
    # Blacklist (S4): this many losing signals in a row on a symbol blocks it.
    losing_streak: int = Field(3, ge=1, le=100)
    loss_blacklist_s: int = Field(86_400, gt=0)
    anomaly_blacklist_s: int = Field(21_600, gt=0)
    quarantine_blacklist_s: int = Field(86_400, gt=0)
    # A pluggable scorer's probability at or above this blocks a symbol for model_blacklist_s.
    scorer_threshold: float = Field(0.8, gt=0, le=1)
    model_blacklist_s: int = Field(43_200, gt=0)
    # Manual entries without an explicit duration.
    manual_blacklist_s: int = Field(604_800, gt=0)
