"""Volatility squeeze: Bollinger width at a low percentile of its own history, then expansion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from simbiot.signals.builtin._common import clip01, fmt, int_param, num_param
from simbiot.signals.catalog import IndicatorRequest, normalise
from simbiot.signals.context import StrategyContext
from simbiot.signals.frame import SignalFrame
from simbiot.signals.model import Side
from simbiot.signals.ops import rolling_rank, shift
from simbiot.signals.params import ParamSpec

__all__ = ["VolatilitySqueeze"]

_PARAMS = {
    "bb_len": ParamSpec(20, "int", 5, 100, 1, doc="Bollinger period (bars)"),
    "bb_k": ParamSpec(2.0, "float", 0.5, 4.0, 0.1, doc="band width in deviations"),
    "lookback": ParamSpec(120, "int", 20, 500, 10, doc="bars of width history to rank against"),
    "squeeze_pct": ParamSpec(
        0.1, "float", 0.01, 0.5, 0.01, doc="width rank at or under this is a squeeze"
    ),
}


class VolatilitySqueeze:
    """Enter when the previous bar's band width ranked within the lowest ``squeeze_pct`` of the
    last ``lookback`` widths (a squeeze) and this bar closes above the upper band (the
    expansion). Exit when the close falls under the middle band. Strength grows with how
    far the close broke out, in band half-widths.
    """

    name = "volatility_squeeze"
    description = "Bollinger width at a low of its history, then a close above the upper band."

    def parameters(self) -> Mapping[str, ParamSpec]:
        """Return the parameter specs."""
        return _PARAMS

    def required_indicators(self, params: Mapping[str, Any]) -> set[IndicatorRequest]:
        """Return the Bollinger requests."""
        n, k = int_param(params, "bb_len"), num_param(params, "bb_k")
        return {normalise(x, (n, k)) for x in ("bb_upper", "bb_middle", "bb_width")}

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        """Return the squeeze-then-expansion masks over all symbols and bars."""
        n, k = int_param(params, "bb_len"), num_param(params, "bb_k")
        lookback, pct = int_param(params, "lookback"), num_param(params, "squeeze_pct")
        close = ctx.frame.close
        upper, middle = ctx.ind("bb_upper", n, k), ctx.ind("bb_middle", n, k)
        width = ctx.ind("bb_width", n, k)
        # Shared by every configuration with these bands and lookback, whatever its threshold.
        rank = ctx.bank.derived(
            ("rank|bb_width", (n, k, lookback)), lambda: rolling_rank(width, lookback)
        )
        rank_before = shift(rank)
        entry = (rank_before <= pct) & (close > upper)
        exit_ = close < middle
        half = upper - middle
        with np.errstate(divide="ignore", invalid="ignore"):
            strength = clip01(0.5 + (close - upper) / np.where(half > 0, half, np.nan))

        def reason(r: int, t: int, side: Side) -> str:
            if side.is_entry:
                return (
                    f"band width rank {fmt(rank_before[r, t])} of {lookback} bars "
                    f"(squeeze at <= {fmt(pct)}); close={fmt(close[r, t])} above upper band "
                    f"{fmt(upper[r, t])}"
                )
            return f"close={fmt(close[r, t])} under the middle band {fmt(middle[r, t])}"

        return SignalFrame(ctx.frame.symbols, ctx.frame.timestamp, entry, exit_, strength, reason)
