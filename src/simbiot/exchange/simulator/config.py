"""Configuration of one simulator instance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simbiot.config.sections import SimulatorSettings
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["SimulatorConfig"]

# Base candle lengths the synthetic tape can step by; klines of longer MEXC intervals are
# aggregated from them.
_BASE_TIMEFRAMES = ("1m", "5m", "15m", "30m", "1h", "4h", "1d")


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """What market to simulate and how its clock runs.

    ``symbols`` synthetic markets are generated from ``seed`` unless ``replay_dir`` names a
    directory of ``<BASE>_<QUOTE>.parquet`` candle files, which are replayed instead.
    Simulated time starts at ``start_ms`` (default: 30 days before the wall clock, aligned
    to ``timeframe``) and runs ``speed`` times faster than the wall clock, or only through
    ``advance`` when ``manual_clock``. ``history_candles`` candles exist before the start.
    ``ip_weight_per_minute`` caps request weight per client IP (None: no limit).
    """

    symbols: int = 200
    seed: int = 7
    replay_dir: Path | None = None
    speed: float = 60.0
    timeframe: str = "1m"
    history_candles: int = 1000
    ip_weight_per_minute: int | None = None
    start_ms: int | None = None
    quote: str = "USDT"
    manual_clock: bool = False
    # Delisted and not-yet-listed markets, not-API-tradable markets: shares of the universe.
    listing_share: float = 0.03
    delisting_share: float = 0.02
    not_api_share: float = 0.02
    maker_fee: str = "0.0"
    taker_fee: str = "0.0005"
    # Request records kept; past this the oldest half is dropped (long load runs).
    record_limit: int = 200_000

    def __post_init__(self) -> None:
        if not 1 <= self.symbols <= 5000:
            raise ValueError("symbols must be within 1..5000")
        if self.speed <= 0:
            raise ValueError("speed must be positive")
        if self.timeframe not in _BASE_TIMEFRAMES:
            raise ValueError(f"timeframe must be one of {', '.join(_BASE_TIMEFRAMES)}")
        if not 10 <= self.history_candles <= 100_000:
            raise ValueError("history_candles must be within 10..100000")
        if self.record_limit < 2:
            raise ValueError("record_limit must be at least 2")
        if self.ip_weight_per_minute is not None and self.ip_weight_per_minute < 1:
            raise ValueError("ip_weight_per_minute must be positive")
        for share in (self.listing_share, self.delisting_share, self.not_api_share):
            if not 0 <= share < 0.5:
                raise ValueError("listing, delisting and not-API shares must be within 0..0.5")

    @property
    def timeframe_ms(self) -> int:
        """Length of one base candle in milliseconds."""
        return timeframe_ms(self.timeframe)

    @classmethod
    def from_settings(cls, settings: SimulatorSettings, **overrides: object) -> SimulatorConfig:
        """Build a config from the ``simulator`` settings section, with overrides.

        The section's ``faults`` are not part of the config: parse them with
        ``parse_faults`` and add them to the running server's ``faults``.
        """
        values: dict[str, object] = {
            "symbols": settings.symbols,
            "seed": settings.seed,
            "replay_dir": settings.replay_dir,
            "speed": settings.speed,
            "timeframe": settings.timeframe,
            "history_candles": settings.history_candles,
            "manual_clock": settings.manual_clock,
            "ip_weight_per_minute": settings.ip_weight_per_minute,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
