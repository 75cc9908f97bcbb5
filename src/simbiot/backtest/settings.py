"""Settings of a backtest (the ``backtest`` section of the configuration)."""

from simbiot.config.sections import BacktestSettings

__all__ = ["BacktestSettings"]
