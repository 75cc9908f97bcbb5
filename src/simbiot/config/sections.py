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
    name: str = "simbiot"
    environment: Literal["embedded", "development", "production", "test"] = "embedded"
    data_dir: Path = Path("var")


class DatabaseSettings(FrozenModel):
    # None means "SQLite file under app.data_dir" (the embedded default).
    url: str | None = None
    echo: bool = False
    pool_size: int = Field(10, ge=1, le=200)
    max_overflow: int = Field(20, ge=0, le=500)
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

    ohlcv: int = Field(86_400, gt=0)
    metadata: int = Field(604_800, gt=0)
    symbols: int = Field(86_400, gt=0)
    problem_symbols: int = Field(86_400, gt=0)
    balances: int = Field(30, gt=0)
    tickers: int = Field(30, gt=0)
    analysis: int = Field(900, gt=0)
    indicators: int = Field(900, gt=0)
    signals: int = Field(900, gt=0)
    predictions: int = Field(900, gt=0)
    filters: int = Field(3_600, gt=0)
    blacklist: int = Field(86_400, gt=0)


class CacheSettings(FrozenModel):
    backend: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    key_prefix: str = "simbiot:"
    max_connections: int = Field(50, ge=1, le=10_000)
    socket_timeout_s: float = Field(5.0, gt=0)
    connect_timeout_s: float = Field(2.0, gt=0)
    # How long a caller waits for a free pooled connection before CacheUnavailable.
    pool_timeout_s: float = Field(5.0, gt=0)
    # Idle pooled connections are PINGed before reuse after this many seconds (0 = never).
    health_check_interval_s: int = Field(30, ge=0)
    # The in-memory backend evicts the least recently used entries past this count.
    memory_max_entries: int = Field(200_000, ge=100)
    ttl: CacheTTLSettings = CacheTTLSettings()


class BusSettings(FrozenModel):
    backend: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    stream_prefix: str = "simbiot:bus:"
    # Approximate cap on each stream's length (XADD MAXLEN ~).
    stream_maxlen: int = Field(100_000, ge=100)
    # A message unacknowledged this long by a dead consumer is re-claimed by a live one.
    claim_idle_ms: int = Field(30_000, ge=100)
    block_ms: int = Field(1_000, ge=1)
    batch_size: int = Field(100, ge=1, le=10_000)
    max_connections: int = Field(50, ge=1, le=10_000)
    # A blocking read waits at most socket_timeout_s minus a margin, whatever block_ms asks.
    socket_timeout_s: float = Field(10.0, gt=1)
    connect_timeout_s: float = Field(2.0, gt=0)
    # A message delivered this many times without success goes to its dead-letter topic.
    max_deliveries: int = Field(5, ge=1, le=1_000)
    # A consumer whose bus is unreachable retries with backoff doubling up to this.
    outage_backoff_max_s: float = Field(30.0, gt=0)


class LoggingSettings(FrozenModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Relative paths are under app.data_dir; None disables the file log.
    file: Path | None = Path("logs/simbiot.log")
    max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    backup_count: int = Field(5, ge=0, le=1000)
    json_lines: bool = False
    console: bool = True


class MetricsSettings(FrozenModel):
    enabled: bool = True
    # Port of the standalone /metrics endpoint for services without an HTTP API (0 = off).
    port: int = Field(0, ge=0, le=65535)


class SecuritySettings(FrozenModel):
    # Master keys for credentials at rest: key id -> base64 of 32 random bytes.
    # They come from the environment or .env only (SIMBIOT_SECURITY__MASTER_KEYS='{"k1": "..."}').
    master_keys: dict[str, SecretStr] = Field(default_factory=dict)
    active_key_id: str | None = None
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "simbiot"
    jwt_audience: str = "simbiot-api"
    access_token_ttl_s: int = Field(900, ge=60, le=900)
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

    ip_weight_per_minute: int = Field(1_200, ge=1)
    account_orders_per_second: float = Field(10.0, gt=0)
    account_weight_per_minute: int = Field(600, ge=1)


class RetrySettings(FrozenModel):
    attempts: int = Field(4, ge=1, le=20)
    base_delay_s: float = Field(0.25, gt=0)
    max_delay_s: float = Field(20.0, gt=0)
    jitter: float = Field(0.25, ge=0, le=1)


class ExchangeSettings(FrozenModel):
    enabled: bool = True
    # Base URL override, e.g. the market simulator ("http://127.0.0.1:8765"); None = the venue.
    base_url: str | None = None
    max_connections: int = Field(10, ge=1, le=100)
    timeout_s: float = Field(10.0, gt=0)
    quote: str = "USDT"
    rate_limit: RateLimitSettings = RateLimitSettings()
    retry: RetrySettings = RetrySettings()
    # Private (per-user) clients idle this long are closed and evicted.
    private_client_idle_s: float = Field(600.0, gt=0)
    private_client_max: int = Field(256, ge=1)


class ExchangesSettings(FrozenModel):
    default: Literal["mexc", "binance", "bybit"] = "mexc"
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
    enabled: bool = True
    base_url: str = "https://api.coingecko.com"
    api_key: SecretStr | None = None
    calls_per_minute: int = Field(30, ge=1)
    timeout_s: float = Field(15.0, gt=0)
    # Pages of /coins/markets read per refresh (250 coins each, by market cap).
    pages: int = Field(8, ge=1, le=100)
    # Explicit mapping for tickers name matching cannot settle: base asset -> CoinGecko id.
    id_overrides: dict[str, str] = Field(default_factory=dict)


class SimulatorSettings(FrozenModel):
    """The bundled market simulator used by the embedded mode and the tests."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)
    symbols: int = Field(300, ge=1, le=5000)
    seed: int = 7
    replay_dir: Path | None = None
    speed: float = Field(60.0, gt=0)


class DataSettings(FrozenModel):
    # Relative to app.data_dir.
    candle_dir: Path = Path("candles")
    timeframe: str = "1h"
    history_candles: int = Field(500, ge=50, le=100_000)
    batch_size: int = Field(50, ge=1, le=1000)
    # A symbol failing this many times in a row is quarantined (G10).
    quarantine_after_failures: int = Field(3, ge=1)


class NotifySettings(FrozenModel):
    telegram_enabled: bool = False
    telegram_base_url: str = "https://api.telegram.org"
    telegram_bot_token: SecretStr | None = None
    telegram_alert_chat_id: str | None = None
    messages_per_second_per_chat: float = Field(1.0, gt=0)


    # Symbols fetched at once during a sync (the task pool's bound, G2/F3).
    max_concurrency: int = Field(10, ge=1, le=100)
    # Candles per request; None = the venue's own maximum (capabilities table).
    page_limit: int | None = Field(None, ge=1, le=10_000)
class AnalysisSettings(FrozenModel):
    """The market X-ray: reference symbols, windows and dynamic-threshold multipliers."""

    # Market state is read from the first of these that has data and is not quarantined.
    reference_symbols: tuple[str, ...] = ("BTC/USDT", "ETH/USDT", "BNB/USDT")
    # Candles of history the X-ray loads per symbol.
    window: int = Field(500, ge=50, le=100_000)
    # How many ranked symbols a snapshot keeps.
    top: int = Field(30, ge=1, le=10_000)
