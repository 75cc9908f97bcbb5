"""The settings root: defaults < YAML file < .env file < environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from simbiot.config.sections import (
    AnalysisSettings,
    ApiSettings,
    AppSettings,
    BacktestSettings,
    BillingSettings,
    BusSettings,
    CacheSettings,
    CoinGeckoSettings,
    DatabaseSettings,
    DataSettings,
    ExchangesSettings,
    LearningSettings,
    LoggingSettings,
    MetricsSettings,
    NotifySettings,
    OptimizeSettings,
    RiskSettings,
    RunSettings,
    SecuritySettings,
    SignalsSettings,
    SimulatorSettings,
    TradingSettings,
)

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Every parameter of Simbiot; built once per process by :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="SIMBIOT_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        validate_default=True,
    )

    app: AppSettings = AppSettings()
    database: DatabaseSettings = DatabaseSettings()
    cache: CacheSettings = CacheSettings()
    bus: BusSettings = BusSettings()
    logging: LoggingSettings = LoggingSettings()
    metrics: MetricsSettings = MetricsSettings()
    security: SecuritySettings = SecuritySettings()
    exchanges: ExchangesSettings = ExchangesSettings()
    coingecko: CoinGeckoSettings = CoinGeckoSettings()
    simulator: SimulatorSettings = SimulatorSettings()
    data: DataSettings = DataSettings()
    notify: NotifySettings = NotifySettings()
    analysis: AnalysisSettings = AnalysisSettings()
    signals: SignalsSettings = SignalsSettings()
    risk: RiskSettings = RiskSettings()
    trading: TradingSettings = TradingSettings()
    backtest: BacktestSettings = BacktestSettings()
    learning: LearningSettings = LearningSettings()
    optimize: OptimizeSettings = OptimizeSettings()
    run: RunSettings = RunSettings()
    api: ApiSettings = ApiSettings()
    billing: BillingSettings = BillingSettings()

    def path(self, relative: Path) -> Path:
        """Resolve ``relative`` under ``app.data_dir`` (absolute paths pass through)."""
        return relative if relative.is_absolute() else self.app.data_dir / relative

    @property
    def database_url(self) -> str:
        """The effective database URL (SQLite under the data dir by default)."""
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{self.path(Path('simbiot.db'))}"
