"""Built-in strategies, one per module, each vectorised over all symbols and bars."""

from simbiot.signals.builtin.breakout import DonchianBreakout
from simbiot.signals.builtin.mean_reversion import MeanReversion
from simbiot.signals.builtin.squeeze import VolatilitySqueeze
from simbiot.signals.builtin.trend import TrendEmaAdx

__all__ = ["BUILTINS", "DonchianBreakout", "MeanReversion", "TrendEmaAdx", "VolatilitySqueeze"]

BUILTINS = (TrendEmaAdx, MeanReversion, DonchianBreakout, VolatilitySqueeze)
