"""Breakout: a close above the previous Donchian high on unusually heavy volume."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simbiot.signals.builtin._common import clip01, fmt, int_param, num_param
from simbiot.signals.catalog import IndicatorRequest, normalise
from simbiot.signals.context import StrategyContext
from simbiot.signals.frame import SignalFrame
from simbiot.signals.model import Side
from simbiot.signals.ops import shift
from simbiot.signals.params import ParamSpec

__all__ = ["DonchianBreakout"]

_PARAMS = {
    "channel": ParamSpec(20, "int", 5, 200, 1, doc="Donchian entry channel (bars before this one)"),
    "exit_channel": ParamSpec(10, "int", 2, 100, 1, doc="Donchian exit channel (bars)"),
    "volume_len": ParamSpec(20, "int", 5, 100, 1, doc="volume z-score window (bars)"),
    "volume_z_min": ParamSpec(2.0, "float", 0.0, 6.0, 0.1, doc="least volume z-score"),
}


class DonchianBreakout:
    """Enter when the close exceeds the highest high of the ``channel`` previous bars and the
    volume z-score is at least ``volume_z_min``; exit under the lowest low of ``exit_channel``
    previous bars. Strength is volume_z / (2·volume_z_min), clipped.
    """

    name = "donchian_breakout"
    description = (
        "Close above the prior Donchian high with a volume spike; exit under the prior low."
    )

    def parameters(self) -> Mapping[str, ParamSpec]:
        """Return the parameter specs."""
        return _PARAMS

    def required_indicators(self, params: Mapping[str, Any]) -> set[IndicatorRequest]:
        """Return the channel and volume requests."""
        return {
            normalise("donchian_upper", (int_param(params, "channel"),)),
            normalise("donchian_lower", (int_param(params, "exit_channel"),)),
            normalise("volume_z", (int_param(params, "volume_len"),)),
        }

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        """Return the breakout masks over all symbols and bars."""
        n, m = int_param(params, "channel"), int_param(params, "exit_channel")
        vlen, vmin = int_param(params, "volume_len"), num_param(params, "volume_z_min")
        close = ctx.frame.close
        # The channel of the bars *before* this one: today's high is inside today's channel.
        upper = shift(ctx.ind("donchian_upper", n))
        lower = shift(ctx.ind("donchian_lower", m))
        vz = ctx.ind("volume_z", vlen)
        entry = (close > upper) & (vz >= vmin)
        exit_ = close < lower
        strength = clip01(vz / (2.0 * vmin)) if vmin > 0 else clip01(vz / 4.0)

        def reason(r: int, t: int, side: Side) -> str:
            if side.is_entry:
                return (
                    f"close={fmt(close[r, t])} broke the {n}-bar high {fmt(upper[r, t])}; "
                    f"volume z={fmt(vz[r, t])} (min {fmt(vmin)})"
                )
            return f"close={fmt(close[r, t])} under the {m}-bar low {fmt(lower[r, t])}"

        return SignalFrame(ctx.frame.symbols, ctx.frame.timestamp, entry, exit_, strength, reason)
