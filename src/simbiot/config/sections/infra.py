"""Configuration of the infrastructure: app, database, cache, bus, logging, metrics, security, notifications."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from simbiot.config.sections.base import FrozenModel

__all__ = [
    "AppSettings",
    "BusSettings",
    "CacheSettings",
    "CacheTTLSettings",
    "DatabaseSettings",
    "LoggingSettings",
    "MetricsSettings",
    "NotifySettings",
    "SecuritySettings",
]


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
