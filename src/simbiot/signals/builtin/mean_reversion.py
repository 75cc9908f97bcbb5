"""Mean reversion: buy an oversold dip below the lower Bollinger band, sell on the way back.

The dip threshold is in units of the symbol's own deviation (the band is ``k`` sigmas under
the mean), so the same percentage drop qualifies in a calm market and not in a wild one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from simbiot.signals.builtin._common import clip01, fmt, int_param, num_param, require
from simbiot.signals.catalog import IndicatorRequest, normalise
from simbiot.signals.context import StrategyContext
from simbiot.signals.frame import SignalFrame
from simbiot.signals.model import Side
from simbiot.signals.params import ParamSpec

__all__ = ["MeanReversion"]

_PARAMS = {
    "rsi_len": ParamSpec(14, "int", 2, 50, 1, doc="RSI period (bars)"),
    "rsi_entry": ParamSpec(30.0, "float", 5.0, 50.0, 1.0, doc="RSI below this is oversold"),
    "rsi_exit": ParamSpec(55.0, "float", 40.0, 90.0, 1.0, doc="RSI above this ends the trade"),
    "bb_len": ParamSpec(20, "int", 5, 100, 1, doc="Bollinger period (bars)"),
    "bb_k": ParamSpec(2.0, "float", 0.5, 4.0, 0.1, doc="band width in deviations"),
}


class MeanReversion:
    """Enter when RSI < rsi_entry and the close is under the lower band (mean − k·σ).

    Exit when the close regains the middle band or RSI > rsi_exit. Strength grows with the
    depth of the dip beyond the band: one extra sigma below gives full strength.
    """

    name = "mean_reversion"
    description = "RSI oversold and close under the lower Bollinger band; exit at the mean."

    def parameters(self) -> Mapping[str, ParamSpec]:
        """Return the parameter specs."""
        return _PARAMS

    def required_indicators(self, params: Mapping[str, Any]) -> set[IndicatorRequest]:
        """Return the RSI, Bollinger and z-score requests."""
        entry, exit_ = num_param(params, "rsi_entry"), num_param(params, "rsi_exit")
        require(entry < exit_, self.name, f"rsi_entry ({entry}) must be below rsi_exit ({exit_})")
        n, k = int_param(params, "bb_len"), num_param(params, "bb_k")
        return {
            normalise("rsi", (int_param(params, "rsi_len"),)),
            normalise("bb_lower", (n, k)),
            normalise("bb_middle", (n, k)),
            normalise("zscore", (n,)),
        }

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        """Return the dip masks over all symbols and bars."""
        self.required_indicators(params)
        rsi_len, n, k = (
            int_param(params, "rsi_len"),
            int_param(params, "bb_len"),
            num_param(params, "bb_k"),
        )
        rsi_entry, rsi_exit = num_param(params, "rsi_entry"), num_param(params, "rsi_exit")
        close = ctx.frame.close
        rsi, lower = ctx.ind("rsi", rsi_len), ctx.ind("bb_lower", n, k)
        middle, z = ctx.ind("bb_middle", n, k), ctx.ind("zscore", n)
        entry = (rsi < rsi_entry) & (close < lower)
        exit_ = (close >= middle) | (rsi > rsi_exit)
        strength = clip01(0.5 + 0.5 * (-z - k))

        def reason(r: int, t: int, side: Side) -> str:
            if side.is_entry:
                return (
                    f"RSI{rsi_len}={fmt(rsi[r, t])} < {fmt(rsi_entry)}; close={fmt(close[r, t])} "
                    f"under lower band {fmt(lower[r, t])} ({fmt(z[r, t])}σ vs -{fmt(k)}σ)"
                )
            return (
                f"close={fmt(close[r, t])} vs middle band {fmt(middle[r, t])}; "
                f"RSI{rsi_len}={fmt(rsi[r, t])} (exit above {fmt(rsi_exit)})"
            )

        return SignalFrame(
            ctx.frame.symbols,
            ctx.frame.timestamp,
            entry,
            np.asarray(exit_, dtype=bool),
            strength,
            reason,
        )
