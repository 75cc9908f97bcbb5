"""Configuration sections. Every model is frozen and rejects unknown keys.

Each component takes its own section through its constructor; nothing reads the root.
Defaults here are the embedded (one-process, no services) defaults; the documented YAML file
``config/simbiot.yaml`` repeats them with an explanation of each value.
"""

from simbiot.config.sections.analysis import AnalysisSettings, SignalsSettings
from simbiot.config.sections.base import FrozenModel
from simbiot.config.sections.infra import (
    AppSettings,
    BusSettings,
    CacheSettings,
    CacheTTLSettings,
    DatabaseSettings,
    LoggingSettings,
    MetricsSettings,
    NotifySettings,
    SecuritySettings,
)
from simbiot.config.sections.learning import LearningSettings, OptimizeSettings
from simbiot.config.sections.platform import (
    ApiSettings,
    BillingSettings,
    EntitlementSettings,
    PlanSettings,
)
from simbiot.config.sections.trading import (
    BacktestSettings,
    DemoUserSettings,
    RiskSettings,
    RunSettings,
    TradingSettings,
)
from simbiot.config.sections.venues import (
    CoinGeckoSettings,
    DataSettings,
    ExchangeSettings,
    ExchangesSettings,
    RateLimitSettings,
    RetrySettings,
    SimulatorSettings,
)

__all__ = [
    "AnalysisSettings",
    "ApiSettings",
    "AppSettings",
    "BacktestSettings",
    "BillingSettings",
    "BusSettings",
    "CacheSettings",
    "CacheTTLSettings",
    "CoinGeckoSettings",
    "DataSettings",
    "DatabaseSettings",
    "DemoUserSettings",
    "EntitlementSettings",
    "ExchangeSettings",
    "ExchangesSettings",
    "FrozenModel",
    "LearningSettings",
    "LoggingSettings",
    "MetricsSettings",
    "NotifySettings",
    "OptimizeSettings",
    "PlanSettings",
    "RateLimitSettings",
    "RetrySettings",
    "RiskSettings",
    "RunSettings",
    "SecuritySettings",
    "SignalsSettings",
    "SimulatorSettings",
    "TradingSettings",
]
