"""Configuration sections. Every model is frozen and rejects unknown keys.

Each component takes its own section through its constructor; nothing reads the root.
Defaults here are the embedded (one-process, no services) defaults; the documented YAML file
``config/simbiot.yaml`` repeats them with an explanation of each value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

__all__ = [
    "AnalysisSettings",
    "AppSettings",
    "BacktestSettings",
    "BusSettings",
    "CacheSettings",
    "CacheTTLSettings",
    "CoinGeckoSettings",
    "DataSettings",
    "DatabaseSettings",
    "ExchangeSettings",
    "ExchangesSettings",
    "FrozenModel",
    "LoggingSettings",
    "MetricsSettings",
    "NotifySettings",
    "RateLimitSettings",
    "RetrySettings",
    "SecuritySettings",
    "SimulatorSettings",
]


class FrozenModel(BaseModel):
    """Base for configuration sections: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class AppSettings(FrozenModel):
    # Name used in logs and metrics.
    name: str = "simbiot"
    # embedded = one process on SQLite, in-memory cache and bus, simulated market.
    environment: Literal["embedded", "development", "production", "test"] = "embedded"
    # Where the SQLite database, candle store and logs live (relative to the working dir).
    data_dir: Path = Path("var")


class DatabaseSettings(FrozenModel):
    # None means "SQLite file under app.data_dir" (the embedded default).
    url: str | None = None
    # Log every SQL statement (debugging only).
    echo: bool = False
    # PostgreSQL: connections kept open per process.
    pool_size: int = Field(10, ge=1, le=200)
    # PostgreSQL: extra connections allowed above pool_size under load.
    max_overflow: int = Field(20, ge=0, le=500)
    # Seconds to wait for a free pooled connection before failing.
    pool_timeout_s: float = Field(30.0, gt=0)
    # Run Alembic migrations at start-up; on by default in embedded mode.
    auto_migrate: bool = True
    # PostgreSQL: test pooled connections before use, so a restarted server costs no request.
    pool_pre_ping: bool = True
    # Pooled connections older than this are replaced (seconds; -1 = never).
    pool_recycle_s: int = Field(1_800, ge=-1)
    # SQLite: how long a writer waits for the file lock before "database is locked".
    sqlite_busy_timeout_ms: int = Field(10_000, ge=0, le=600_000)


class CacheTTLSettings(FrozenModel):
    """Seconds each kind of cached data lives (K1)."""

    # Candle windows (ohlcv:<symbol>:<tf>:<since>), 24 h (D2).
    ohlcv: int = Field(86_400, gt=0)
    # Market metadata: precision, minimums, status; CoinGecko profiles; 7 days (D5).
    metadata: int = Field(604_800, gt=0)
    # The list of available symbols, 24 h, refreshed daily (G10).
    symbols: int = Field(86_400, gt=0)
    # How long a quarantined (problem) symbol is skipped, 24 h (G10, F4).
    problem_symbols: int = Field(86_400, gt=0)
    # Account balances, briefly: refreshed after every fill (R5).
    balances: int = Field(30, gt=0)
    # Latest 24 h tickers of every market.
    tickers: int = Field(30, gt=0)
    # X-ray snapshots (A1).
    analysis: int = Field(900, gt=0)
    # Indicator results per symbol set and parameters (I1, S3).
    indicators: int = Field(900, gt=0)
    # Signals per strategy configuration.
    signals: int = Field(900, gt=0)
    # Model predictions per symbol (P3).
    predictions: int = Field(900, gt=0)
    # Dynamic universe filter results (F2).
    filters: int = Field(3_600, gt=0)
    # Default lifetime of a signal blacklist entry (S4).
    blacklist: int = Field(86_400, gt=0)


class CacheSettings(FrozenModel):
    # memory (one process) or redis (shared by every process and replica).
    backend: Literal["memory", "redis"] = "memory"
    # Redis server for the cache backend.
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Prefix of every cache key, so several deployments can share one Redis.
    key_prefix: str = "simbiot:"
    # Bound of the Redis connection pool per process (K2).
    max_connections: int = Field(50, ge=1, le=10_000)
    # A Redis command slower than this fails as CacheUnavailable.
    socket_timeout_s: float = Field(5.0, gt=0)
    # Time allowed to open a Redis connection.
    connect_timeout_s: float = Field(2.0, gt=0)
    # How long a caller waits for a free pooled connection before CacheUnavailable.
    pool_timeout_s: float = Field(5.0, gt=0)
    # Idle pooled connections are PINGed before reuse after this many seconds (0 = never).
    health_check_interval_s: int = Field(30, ge=0)
    # The in-memory backend evicts the least recently used entries past this count.
    memory_max_entries: int = Field(200_000, ge=100)
    # Time to live of each kind of cached data, in seconds.
    ttl: CacheTTLSettings = CacheTTLSettings()


class BusSettings(FrozenModel):
    # memory (one process) or redis (Redis Streams consumer groups).
    backend: Literal["memory", "redis"] = "memory"
    # Redis server for the Streams backend.
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Prefix of every stream key.
    stream_prefix: str = "simbiot:bus:"
    # Approximate cap on each stream's length (XADD MAXLEN ~).
    stream_maxlen: int = Field(100_000, ge=100)
    # A message unacknowledged this long by a dead consumer is re-claimed by a live one.
    claim_idle_ms: int = Field(30_000, ge=100)
    # How long a consumer's fetch waits for new messages.
    block_ms: int = Field(1_000, ge=1)
    # Messages fetched per read.
    batch_size: int = Field(100, ge=1, le=10_000)
    # Bound of the bus's Redis connection pool per process.
    max_connections: int = Field(50, ge=1, le=10_000)
    # A blocking read waits at most socket_timeout_s minus a margin, whatever block_ms asks.
    socket_timeout_s: float = Field(10.0, gt=1)
    # Time allowed to open a Redis connection.
    connect_timeout_s: float = Field(2.0, gt=0)
    # A message delivered this many times without success goes to its dead-letter topic.
    max_deliveries: int = Field(5, ge=1, le=1_000)
    # A consumer whose bus is unreachable retries with backoff doubling up to this.
    outage_backoff_max_s: float = Field(30.0, gt=0)


class LoggingSettings(FrozenModel):
    # Root log level.
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Relative paths are under app.data_dir; None disables the file log.
    file: Path | None = Path("logs/simbiot.log")
    # The log file rotates past this size (RotatingFileHandler).
    max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    # Rotated files kept (simbiot.log.1 … .N).
    backup_count: int = Field(5, ge=0, le=1000)
    # One JSON object per line instead of text (for log shippers).
    json_lines: bool = False
    # Also log to stderr.
    console: bool = True


class MetricsSettings(FrozenModel):
    # Collect Prometheus metrics (served on /metrics).
    enabled: bool = True
    # Port of the standalone /metrics endpoint for services without an HTTP API (0 = off).
    port: int = Field(0, ge=0, le=65535)


class SecuritySettings(FrozenModel):
    # Master keys for credentials at rest: key id -> base64 of 32 random bytes.
    # They come from the environment or .env only (SIMBIOT_SECURITY__MASTER_KEYS='{"k1": "..."}').
    master_keys: dict[str, SecretStr] = Field(default_factory=dict)
    # Id of the master key that seals new credentials (older ids still open old ones).
    active_key_id: str | None = None
    # Signing secret of API access tokens.
    jwt_secret: SecretStr | None = None
    # Issuer claim written into and required from every token.
    jwt_issuer: str = "simbiot"
    # Audience claim written into and required from every token.
    jwt_audience: str = "simbiot-api"
    # Lifetime of an access token, at most 15 minutes.
    access_token_ttl_s: int = Field(900, ge=60, le=900)
    # Lifetime of a refresh token (rotated on every use).
    refresh_token_ttl_s: int = Field(30 * 86_400, ge=3_600)
    # Argon2id cost for user passwords (RFC 9106 second recommended profile: t=3, 64 MiB).
    argon2_time_cost: int = Field(3, ge=1, le=20)
    argon2_memory_kib: int = Field(65_536, ge=8, le=4_194_304)
    argon2_parallelism: int = Field(1, ge=1, le=16)

    @model_validator(mode="after")
    def _active_key_known(self) -> SecuritySettings:
        if self.active_key_id is not None and self.active_key_id not in self.master_keys:
            raise ValueError(f"active_key_id {self.active_key_id!r} is not among master_keys")
        return self


class RateLimitSettings(FrozenModel):
    """A venue's request budget, as data (weights per window, per IP and per account)."""

    # Request weight the venue allows per IP per minute (shared by all our processes).
    ip_weight_per_minute: int = Field(1_200, ge=1)
    # Orders per second allowed per account.
    account_orders_per_second: float = Field(10.0, gt=0)
    # Request weight allowed per account per minute.
    account_weight_per_minute: int = Field(600, ge=1)


class RetrySettings(FrozenModel):
    # Tries of a read before giving up (orders are never retried blindly).
    attempts: int = Field(4, ge=1, le=20)
    # First backoff delay; doubles on each retry.
    base_delay_s: float = Field(0.25, gt=0)
    # Backoff ceiling (a longer Retry-After from the venue still wins).
    max_delay_s: float = Field(20.0, gt=0)
    # Random share added to each delay so clients do not retry in step.
    jitter: float = Field(0.25, ge=0, le=1)


class ExchangeSettings(FrozenModel):
    # Whether this venue may be used.
    enabled: bool = True
    # Base URL override, e.g. the market simulator ("http://127.0.0.1:8765"); None = the venue.
    base_url: str | None = None
    # Concurrent requests to this venue per process, at most (G2, X1).
    max_connections: int = Field(10, ge=1, le=100)
    # Per-request timeout.
    timeout_s: float = Field(10.0, gt=0)
    # Quote currency of the symbols scanned.
    quote: str = "USDT"
    # The venue's request budget.
    rate_limit: RateLimitSettings = RateLimitSettings()
    # Retries of reads on temporary faults (X1).
    retry: RetrySettings = RetrySettings()
    # Private (per-user) clients idle this long are closed and evicted.
    private_client_idle_s: float = Field(600.0, gt=0)
    # Per-user clients kept open at most; the least recently used are closed.
    private_client_max: int = Field(256, ge=1)


class ExchangesSettings(FrozenModel):
    # The venue used when a command names none (D4).
    default: Literal["mexc", "binance", "bybit"] = "mexc"
    # Per-venue connection, limit and retry settings (X2).
    venues: dict[str, ExchangeSettings] = Field(
        default_factory=lambda: {
            "mexc": ExchangeSettings(rate_limit=RateLimitSettings(ip_weight_per_minute=1_200)),
            "binance": ExchangeSettings(rate_limit=RateLimitSettings(ip_weight_per_minute=6_000)),
            "bybit": ExchangeSettings(rate_limit=RateLimitSettings(ip_weight_per_minute=6_000)),
        }
    )

    @model_validator(mode="after")
    def _default_is_configured(self) -> ExchangesSettings:
        if self.default not in self.venues:
            raise ValueError(f"default exchange {self.default!r} has no entry under venues")
        return self


class CoinGeckoSettings(FrozenModel):
    # Enrich markets with CoinGecko's market cap, rank and categories.
    enabled: bool = True
    # CoinGecko API (the embedded simulator serves a look-alike).
    base_url: str = "https://api.coingecko.com"
    # Optional API key (pro or demo plan).
    api_key: SecretStr | None = None
    # Request budget (free tier: about 30 per minute) (D3).
    calls_per_minute: int = Field(30, ge=1)
    # Per-request timeout.
    timeout_s: float = Field(15.0, gt=0)
    # Pages of /coins/markets read per refresh (250 coins each, by market cap).
    pages: int = Field(8, ge=1, le=100)
    # Explicit mapping for tickers name matching cannot settle: base asset -> CoinGecko id.
    id_overrides: dict[str, str] = Field(default_factory=dict)


class SimulatorSettings(FrozenModel):
    """The bundled market simulator used by the embedded mode and the tests."""

    # Serve the default venue from the bundled simulator when it has no base_url.
    enabled: bool = True
    # Interface the simulator listens on.
    host: str = "127.0.0.1"
    # Port of `simbiot sim serve` (the embedded simulator takes a free port).
    port: int = Field(8765, ge=0, le=65535)
    # Synthetic markets generated.
    symbols: int = Field(300, ge=1, le=5000)
    # Seed of the synthetic market (same seed, same market).
    seed: int = 7
    # Replay Parquet candles from this directory instead of generating.
    replay_dir: Path | None = None
    # Simulated seconds per wall-clock second.
    speed: float = Field(60.0, gt=0)
    # Base candle of the synthetic market; longer klines intervals are aggregated from it.
    timeframe: Literal["1m", "5m", "15m", "30m", "1h", "4h", "1d"] = "1m"
    # Candles that exist before the simulated start (klines with startTime reach back this far).
    history_candles: int = Field(1000, ge=10, le=100_000)
    # Time moves only through POST /sim/advance (tests, step-by-step demos).
    manual_clock: bool = False
    # Request weight per client IP per minute (429, then 418); None = no limit.
    ip_weight_per_minute: int | None = Field(None, ge=1)
    # Fault rules in the compact grammar of simbiot.exchange.simulator.faults ("" = none).
    faults: str = ""


class DataSettings(FrozenModel):
    # Relative to app.data_dir.
    candle_dir: Path = Path("candles")
    # Candle timeframe synced and analysed by default.
    timeframe: str = "1h"
    # Candles fetched for a symbol seen for the first time.
    history_candles: int = Field(500, ge=50, le=100_000)
    # Symbols per sync batch; one bus message per batch (F3).
    batch_size: int = Field(50, ge=1, le=1000)
    # A symbol failing this many times in a row is quarantined (G10).
    quarantine_after_failures: int = Field(3, ge=1)
    # Symbols fetched at once during a sync (the task pool's bound, G2/F3).
    max_concurrency: int = Field(10, ge=1, le=100)
    # Candles per request; None = the venue's own maximum (capabilities table).
    page_limit: int | None = Field(None, ge=1, le=10_000)


class NotifySettings(FrozenModel):
    # Send notifications and critical alerts through Telegram (N1, N2).
    telegram_enabled: bool = False
    # Telegram Bot API base URL.
    telegram_base_url: str = "https://api.telegram.org"
    # Bot token.
    telegram_bot_token: SecretStr | None = None
    # Chat that receives critical errors (monitoring channel).
    telegram_alert_chat_id: str | None = None
    # Send rate per chat (Telegram's own limit is about 1/s).
    messages_per_second_per_chat: float = Field(1.0, gt=0)


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


class RiskSettings(FrozenModel):
    """Sizing, exits and per-user limits (T1, R1, R3, R4, R6); fractions are of equity."""

    # Equity lost if the stop is hit, before market-state and volatility scaling.
    risk_per_trade: float = Field(0.01, gt=0, le=0.2)
    # Largest single position as a share of equity, whatever the stop distance.
    max_position_fraction: float = Field(0.25, gt=0, le=1)
    # Fee rate reserved from free balance so an order plus its fee always fits.
    fee_rate: float = Field(0.001, ge=0, lt=0.05)
    # Size multiplier per market regime (bull, bear, sideways, high_volatility, crash);
    # a regime not listed uses 1.0, a multiplier of 0 stops new entries in that regime.
    regime_scale: dict[str, float] = Field(
        default_factory=lambda: {
            "bull": 1.0,
            "sideways": 0.75,
            "high_volatility": 0.5,
            "bear": 0.4,
            "crash": 0.0,
        }
    )
    # Per-bar ATR/price treated as normal; a more volatile symbol is sized down in proportion.
    target_volatility: float = Field(0.02, gt=0, le=1)
    min_volatility_scale: float = Field(0.2, gt=0, le=1)
    # Exits in ATRs: stop distance, trailing distance; take-profit in R (stop distances).
    stop_atr: float = Field(2.0, gt=0, le=50)
    take_profit_r: float = Field(3.0, gt=0, le=100)
    trail_atr: float = Field(3.0, gt=0, le=50)
    # The trailing stop engages once the position is this many R in profit.
    trail_activation_r: float = Field(1.0, ge=0, le=100)
    # Stop widening per regime (noisier markets need room); unlisted regimes use 1.0.
    regime_stop_scale: dict[str, float] = Field(
        default_factory=lambda: {"high_volatility": 1.3, "crash": 1.5}
    )
    # A position older than this is closed (0: no time exit).
    max_hold_s: int = Field(7 * 86_400, ge=0)
    # Partial closes: (profit in R, share of the initial amount) pairs, in rising R order.
    partial_levels: tuple[tuple[float, float], ...] = ((1.5, 0.5),)
    # After the first partial close the stop moves to the entry price.
    breakeven_after_partial: bool = True
    # Limits (R1), tightened by volatility: divided by max(1, volatility ratio).
    max_open_positions: int = Field(5, ge=1, le=1_000)
    max_symbol_exposure: float = Field(0.3, gt=0, le=1)
    max_total_exposure: float = Field(0.95, gt=0, le=1)
    daily_loss_limit: float = Field(0.05, gt=0, le=1)
    # Drawdown from peak equity that stops all new entries (kill switch).
    max_drawdown: float = Field(0.2, gt=0, le=1)
    # Monitor alerts: within this share of the stop distance, the drawdown alert level,
    # and a liquidity drop (quote volume vs its average) below this ratio.
    near_stop_share: float = Field(0.25, gt=0, lt=1)
    drawdown_alert: float = Field(0.1, gt=0, le=1)
    liquidity_drop_ratio: float = Field(0.3, gt=0, lt=1)

    @model_validator(mode="after")
    def _partials_ordered(self) -> RiskSettings:
        levels = [r for r, _ in self.partial_levels]
        if levels != sorted(levels) or any(r <= 0 for r in levels):
            raise ValueError("partial_levels must have positive R values in rising order")
        if any(not 0 < share < 1 for _, share in self.partial_levels):
            raise ValueError("partial close shares must lie in (0, 1)")
        if sum(share for _, share in self.partial_levels) >= 1:
            raise ValueError("partial close shares must sum below 1")
        if any(v < 0 for v in self.regime_scale.values()):
            raise ValueError("regime_scale values must not be negative")
        return self


class TradingSettings(FrozenModel):
    """The trader: task pool, balance cache, execution and reconciliation (T2-T7, R5, C3)."""

    # Users handled at once; a slow user holds one slot, never the others.
    max_concurrent_users: int = Field(64, ge=1, le=10_000)
    # A user's whole burst gives up after this long (the rest of the users go on).
    user_timeout_s: float = Field(30.0, gt=0)
    # Orders in flight per venue from this process (per-IP bound beside the venue limiter).
    max_orders_in_flight: int = Field(10, ge=1, le=1_000)
    # Balances are cached this long and refreshed after every fill.
    balance_ttl_s: float = Field(5.0, ge=0)
    order_type: Literal["market", "limit"] = "market"
    # Limit entries are priced this far through the last price (fraction).
    limit_offset: float = Field(0.001, ge=0, lt=0.1)
    client_order_id_prefix: str = Field("sb", pattern=r"^[A-Za-z0-9]{1,8}$")
    # An order not found by client id may still appear: look again with backoff for
    # this long after creation before declaring it never placed.
    reconcile_grace_s: float = Field(10.0, ge=0)
    reconcile_backoff_s: float = Field(0.25, gt=0)
    reconcile_backoff_max_s: float = Field(2.0, gt=0)
    # Paper trading: fee and slippage applied to the latest price, starting capital.
    paper_fee_rate: float = Field(0.001, ge=0, lt=0.05)
    paper_slippage_bps: float = Field(5.0, ge=0, le=1_000)
    paper_capital: float = Field(10_000.0, gt=0)
    quote: str = "USDT"


class BacktestSettings(FrozenModel):
    """How a backtest trades: the same numbers a user gives a paper or live bot.

    ``capital`` is split equally between the symbols of the frame; each symbol trades its
    own share (an isolated sub-account), and every entry spends ``fraction`` of that
    sub-account's cash, fee included.
    """

    # Starting capital of the whole backtest, split equally across its symbols.
    capital: float = Field(10_000.0, gt=0)
    # Share of a symbol's cash each entry spends, fee included.
    fraction: float = Field(1.0, gt=0, le=1)
    # Fee rate charged on the notional of every fill (0.001 = 0.1 %).
    fee: float = Field(0.001, ge=0, lt=0.1)
    # Price slippage of market fills (entries, signal exits, stop-losses), as a fraction.
    slippage: float = Field(0.0, ge=0, lt=0.1)
    # Stop-loss and take-profit distances from the entry fill price (0.05 = 5 %); None = off.
    stop_loss: float | None = Field(None, gt=0, lt=1)
    take_profit: float | None = Field(None, gt=0)
    # Check stops inside the entry bar too (the bar's range comes after the fill at its open).
    stops_on_entry_bar: bool = True
    # Close a position still open at the end of the data at the last close (fee charged).
    close_at_end: bool = True

    @model_validator(mode="after")
    def _check(self) -> BacktestSettings:
        # A stop inside the slippage band would sit at or above the entry bar's open and
        # close every position the moment it opens.
        if self.stop_loss is not None and self.stop_loss <= self.slippage:
            raise ValueError("stop_loss must exceed slippage")
        return self


class LearningSettings(FrozenModel):
    """Datasets, model training, inference thresholds and the retraining manager (L1-L5)."""

    # Model artefacts directory; relative paths are under app.data_dir.
    models_dir: Path = Path("models")
    # Prepared-dataset cache directory; relative paths are under app.data_dir.
    datasets_dir: Path = Path("datasets")
    # Label horizon in bars (also the purge gap of cross-validation).
    horizon: int = Field(24, ge=1, le=1_000)
    # Triple-barrier half-width in units of per-bar volatility × sqrt(horizon).
    barrier_width: float = Field(1.0, gt=0, le=10)
    # Bars of the trailing volatility that scales the barriers.
    vol_window: int = Field(48, ge=2, le=5_000)
    # Benchmark symbol for relative-strength features (None = cross-sectional median).
    reference_symbol: str | None = "BTC/USDT"
    # LightGBM boosting rounds.
    n_estimators: int = Field(200, ge=1, le=10_000)
    # LightGBM learning rate.
    learning_rate: float = Field(0.05, gt=0, le=1)
    # LightGBM leaves per tree.
    num_leaves: int = Field(31, ge=2, le=4_096)
    # LightGBM minimum rows per leaf (guards against fitting noise).
    min_child_samples: int = Field(100, ge=1)
    # Purged time-series cross-validation folds.
    cv_folds: int = Field(4, ge=1, le=20)
    # Most recent bars held out to judge challenger against champion on the same rows.
    holdout_bars: int = Field(500, ge=10)
    # ML signal filter: entries with a predicted win probability below this are dropped.
    filter_threshold: float = Field(0.5, ge=0, le=1)
    # Live outcomes needed before live quality is judged at all.
    min_live_rows: int = Field(200, ge=1)
    # Retrain when live hit rate falls this far below the validation hit rate.
    max_hit_rate_drop: float = Field(0.05, gt=0, le=1)
    # Retrain when live calibration error (ECE) exceeds this.
    max_calibration_error: float = Field(0.1, gt=0, le=1)
    # Retrain when any feature's population stability index exceeds this (0.25 = shifted).
    max_psi: float = Field(0.25, gt=0)
    # Retrain a champion older than this many seconds even when quality holds (7 days).
    retrain_every_s: int = Field(604_800, ge=60)
    # A challenger must beat the champion's holdout AUC by at least this to be promoted.
    min_improvement: float = Field(0.002, ge=0, le=1)
    # After a promotion, a live hit-rate drop past max_hit_rate_drop within this many
    # seconds rolls the promotion back (3 days).
    probation_s: int = Field(259_200, ge=60)


class OptimizeSettings(FrozenModel):
    """Genetic optimisation of strategy parameters (G7, S3, I2) and the evolution loop."""

    # Study storage URL; None = SQLite file optuna.db under app.data_dir. An async driver
    # URL (postgresql+asyncpg, sqlite+aiosqlite) is converted to its sync twin.
    storage_url: str | None = None
    # Individuals per generation (NSGA-II population).
    population: int = Field(50, ge=2, le=10_000)
    # Generations per run.
    generations: int = Field(20, ge=1, le=10_000)
    # NSGA-II crossover probability.
    crossover_prob: float = Field(0.9, ge=0, le=1)
    # Sampler seed (None = random); a fixed seed makes runs repeatable.
    seed: int | None = 42
    # Walk-forward: bars of each training window.
    train_bars: int = Field(1_500, ge=50)
    # Walk-forward: bars of each out-of-sample window.
    test_bars: int = Field(500, ge=20)
    # Walk-forward: number of folds (newest windows).
    folds: int = Field(3, ge=1, le=50)
    # Parameter sets with fewer trades per symbol than this score as losers.
    min_trades: float = Field(1.0, ge=0)
    # Lowest dynamic-threshold multiplier searched (1 = the strategy's own threshold).
    threshold_multiplier_low: float = Field(0.5, gt=0)
    # Highest dynamic-threshold multiplier searched.
    threshold_multiplier_high: float = Field(2.0, gt=0)
    # Evolution: a candidate must beat the current parameters' out-of-sample Sharpe by this.
    min_sharpe_gain: float = Field(0.1, ge=0)
    # Evolution: bars of the most recent unseen window used when no paper results exist.
    probation_bars: int = Field(500, ge=20)


class DemoUserSettings(FrozenModel):
    """One paper-trading user the embedded stack creates at start-up (``simbiot run``)."""

    # Login of the demo user (created once, kept across runs).
    email: str
    # Strategy the user's bot follows (a built-in or a rule file's name).
    strategy: str
    # Parameters overriding the strategy's defaults.
    params: dict[str, float | int | bool | str] = Field(default_factory=dict)
    # Paper capital in the quote currency.
    capital: float = Field(10_000.0, gt=0)
    # Positions the user holds at most at once.
    max_slots: int = Field(5, ge=1, le=100)


class RunSettings(FrozenModel):
    """The embedded trading cycle (T5): market data → X-ray → signals → trading."""

    # Cycles `simbiot run` performs before it stops (0 = until SIGTERM/Ctrl-C).
    cycles: int = Field(0, ge=0)
    # Seconds of venue time between cycles; 0 = one cycle per closed candle of data.timeframe.
    interval_s: float = Field(0.0, ge=0)
    # Simulated seconds per wall-clock second while `simbiot demo` trades (accelerated market).
    demo_speed: float = Field(3_600.0, gt=0)
    # Trading cycles `simbiot demo` runs.
    demo_cycles: int = Field(6, ge=1, le=1_000)
    # Paper users created at start-up, each with a bot on its strategy.
    users: tuple[DemoUserSettings, ...] = (
        DemoUserSettings(email="trend@demo.simbiot", strategy="trend_ema_adx"),
        DemoUserSettings(email="meanrev@demo.simbiot", strategy="mean_reversion", capital=5_000.0),
        DemoUserSettings(email="breakout@demo.simbiot", strategy="donchian_breakout"),
        DemoUserSettings(email="squeeze@demo.simbiot", strategy="volatility_squeeze", max_slots=3),
    )
