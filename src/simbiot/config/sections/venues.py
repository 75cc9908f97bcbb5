"""Configuration of exchanges, their limits and retries, CoinGecko, the simulator and market data."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from simbiot.config.sections.base import FrozenModel

__all__ = [
    "CoinGeckoSettings",
    "DataSettings",
    "ExchangeSettings",
    "ExchangesSettings",
    "RateLimitSettings",
    "RetrySettings",
    "SimulatorSettings",
]


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
