"""Trend following: a fast EMA crossing a slow EMA, taken only when ADX says the market trends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simbiot.signals.builtin._common import clip01, fmt, int_param, num_param, require
from simbiot.signals.catalog import IndicatorRequest, normalise
from simbiot.signals.context import StrategyContext
from simbiot.signals.frame import SignalFrame
from simbiot.signals.model import Side
from simbiot.signals.ops import crosses_above, crosses_below
from simbiot.signals.params import ParamSpec

__all__ = ["TrendEmaAdx"]

_PARAMS = {
    "fast": ParamSpec(12, "int", 3, 50, 1, doc="fast EMA period (bars)"),
    "slow": ParamSpec(26, "int", 10, 200, 1, doc="slow EMA period (bars); must exceed fast"),
    "adx_len": ParamSpec(14, "int", 5, 50, 1, doc="ADX period (bars)"),
    "adx_min": ParamSpec(20.0, "float", 0.0, 60.0, 1.0, doc="least ADX for an entry (0-100)"),
}


class TrendEmaAdx:
    """Enter when EMA(fast) crosses above EMA(slow) with ADX >= adx_min; exit on the cross back.

    Strength is ADX / 50 clipped to [0, 1]: a stronger trend, a stronger signal.
    """

    name = "trend_ema_adx"
    description = (
        "EMA(fast) crossing above EMA(slow) while ADX shows a trend; exit on the cross down."
    )

    def parameters(self) -> Mapping[str, ParamSpec]:
        """Return the parameter specs."""
        return _PARAMS

    def required_indicators(self, params: Mapping[str, Any]) -> set[IndicatorRequest]:
        """Return the EMA and ADX requests."""
        fast, slow = int_param(params, "fast"), int_param(params, "slow")
        require(fast < slow, self.name, f"fast ({fast}) must be below slow ({slow})")
        return {
            normalise("ema", (fast,)),
            normalise("ema", (slow,)),
            normalise("adx", (int_param(params, "adx_len"),)),
        }

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        """Return the cross masks over all symbols and bars."""
        self.required_indicators(params)
        fast, slow = int_param(params, "fast"), int_param(params, "slow")
        adx_len, adx_min = int_param(params, "adx_len"), num_param(params, "adx_min")
        f, s, adx = ctx.ind("ema", fast), ctx.ind("ema", slow), ctx.ind("adx", adx_len)
        entry = crosses_above(f, s) & (adx >= adx_min)
        exit_ = crosses_below(f, s)

        def reason(r: int, t: int, side: Side) -> str:
            verb = "crossed above" if side.is_entry else "crossed below"
            return (
                f"EMA{fast}={fmt(f[r, t])} {verb} EMA{slow}={fmt(s[r, t])}; "
                f"ADX{adx_len}={fmt(adx[r, t])} (min {fmt(adx_min)})"
            )

        return SignalFrame(
            ctx.frame.symbols, ctx.frame.timestamp, entry, exit_, clip01(adx / 50.0), reason
        )
