"""The indicator catalogue strategies and rule files may name, each computed over all symbols.

A request is ``(name, args)``: ``("ema", (50,))``, ``("bb_lower", (20, 2.0))``. Every entry
states its arguments (kind and default), so a rule file is checked before it runs and equal
requests from different strategies are computed once.

Volatility units used by dynamic thresholds: ``vol(n)`` is the rolling population deviation of
one-bar log returns over ``n`` bars (relative, like ``ret``); ``atr(n)`` is in price units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from simbiot.analysis import indicators as ta
from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.domain.frame import MarketFrame

__all__ = [
    "CATALOG",
    "ArgSpec",
    "IndicatorDef",
    "IndicatorRequest",
    "compute",
    "compute_group",
    "normalise",
]

IndicatorRequest = tuple[str, tuple[float, ...]]
ArgKind = Literal["int", "float"]


@dataclass(frozen=True, slots=True)
class ArgSpec:
    """One argument of an indicator: its name, kind, default and smallest value."""

    name: str
    kind: ArgKind
    default: float
    minimum: float


@dataclass(frozen=True, slots=True)
class IndicatorDef:
    """A named indicator: its arguments, what it measures and how to compute it."""

    name: str
    args: tuple[ArgSpec, ...]
    doc: str
    fn: Callable[[MarketFrame, tuple[float, ...]], FloatArray]
    # Members of a group come out of one computation (the three Bollinger bands).
    group: str = ""


def _i(x: float) -> int:
    return int(x)


def _bb(frame: MarketFrame, a: tuple[float, ...], part: int) -> FloatArray:
    return ta.bbands(frame.close, _i(a[0]), a[1])[part]


def _bb_width(frame: MarketFrame, a: tuple[float, ...]) -> FloatArray:
    up, mid, lo = ta.bbands(frame.close, _i(a[0]), a[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mid != 0, (up - lo) / np.abs(mid), np.nan)


def _zscore(frame: MarketFrame, a: tuple[float, ...]) -> FloatArray:
    n = _i(a[0])
    mid = ta.sma(frame.close, n)
    sd = ta.rolling_std(frame.close, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd > 0, (frame.close - mid) / sd, 0.0) + mid * 0.0


def _vol(frame: MarketFrame, a: tuple[float, ...]) -> FloatArray:
    return ta.rolling_std(ta.log_returns(frame.close, 1), _i(a[0]))


def _series(name: str) -> Callable[[MarketFrame, tuple[float, ...]], FloatArray]:
    def fn(frame: MarketFrame, _: tuple[float, ...]) -> FloatArray:
        arr: FloatArray = getattr(frame, name)
        return arr

    return fn


_N = "n"
_P = ArgSpec
_LEN14 = (_P(_N, "int", 14, 2),)
_LEN20 = (_P(_N, "int", 20, 2),)
_BB = (_P(_N, "int", 20, 2), _P("k", "float", 2.0, 0.0))

_DEFS = [
    *(IndicatorDef(s, (), f"the candle's {s}", _series(s)) for s in ("open", "high", "low")),
    IndicatorDef("close", (), "the candle's close", _series("close")),
    IndicatorDef("volume", (), "the candle's base volume", _series("volume")),
    IndicatorDef(
        "sma", _LEN20, "simple moving average of the close", lambda f, a: ta.sma(f.close, _i(a[0]))
    ),
    IndicatorDef(
        "ema",
        _LEN20,
        "exponential moving average of the close",
        lambda f, a: ta.ema(f.close, _i(a[0])),
    ),
    IndicatorDef(
        "rsi", _LEN14, "relative strength index (0-100)", lambda f, a: ta.rsi(f.close, _i(a[0]))
    ),
    IndicatorDef(
        "atr",
        _LEN14,
        "average true range (price units)",
        lambda f, a: ta.atr(f.high, f.low, f.close, _i(a[0])),
    ),
    IndicatorDef(
        "natr",
        _LEN14,
        "ATR as a percentage of the close",
        lambda f, a: ta.natr(f.high, f.low, f.close, _i(a[0])),
    ),
    IndicatorDef(
        "adx",
        _LEN14,
        "average directional index (0-100)",
        lambda f, a: ta.adx(f.high, f.low, f.close, _i(a[0])),
    ),
    IndicatorDef(
        "plus_di",
        _LEN14,
        "plus directional indicator",
        lambda f, a: ta.plus_di(f.high, f.low, f.close, _i(a[0])),
    ),
    IndicatorDef(
        "minus_di",
        _LEN14,
        "minus directional indicator",
        lambda f, a: ta.minus_di(f.high, f.low, f.close, _i(a[0])),
    ),
    IndicatorDef(
        "cci",
        _LEN20,
        "commodity channel index",
        lambda f, a: ta.cci(f.high, f.low, f.close, _i(a[0])),
    ),
    IndicatorDef(
        "mfi",
        _LEN14,
        "money flow index (0-100)",
        lambda f, a: ta.mfi(f.high, f.low, f.close, f.volume, _i(a[0])),
    ),
    IndicatorDef(
        "std",
        _LEN20,
        "rolling deviation of the close",
        lambda f, a: ta.rolling_std(f.close, _i(a[0])),
    ),
    IndicatorDef("bb_upper", _BB, "upper Bollinger band", lambda f, a: _bb(f, a, 0), "bb"),
    IndicatorDef("bb_middle", _BB, "middle Bollinger band", lambda f, a: _bb(f, a, 1), "bb"),
    IndicatorDef("bb_lower", _BB, "lower Bollinger band", lambda f, a: _bb(f, a, 2), "bb"),
    IndicatorDef("bb_width", _BB, "(upper - lower) / middle", _bb_width, "bb"),
    IndicatorDef("zscore", _LEN20, "(close - sma) / deviation, in sigmas", _zscore),
    IndicatorDef(
        "donchian_upper",
        _LEN20,
        "highest high of n bars (this one included)",
        lambda f, a: ta.donchian(f.high, f.low, _i(a[0]))[0],
        "donchian",
    ),
    IndicatorDef(
        "donchian_lower",
        _LEN20,
        "lowest low of n bars (this one included)",
        lambda f, a: ta.donchian(f.high, f.low, _i(a[0]))[1],
        "donchian",
    ),
    IndicatorDef(
        "donchian_middle",
        _LEN20,
        "Donchian midpoint",
        lambda f, a: ta.donchian(f.high, f.low, _i(a[0]))[2],
        "donchian",
    ),
    IndicatorDef(
        "volume_z",
        _LEN20,
        "volume z-score against n bars",
        lambda f, a: ta.volume_zscore(f.volume, _i(a[0])),
    ),
    IndicatorDef("obv", (), "on-balance volume", lambda f, a: ta.obv(f.close, f.volume)),
    IndicatorDef(
        "ret",
        (_P(_N, "int", 1, 1),),
        "n-bar return (0.01 = +1%)",
        lambda f, a: ta.pct_change(f.close, _i(a[0])),
    ),
    IndicatorDef(
        "logret",
        (_P(_N, "int", 1, 1),),
        "n-bar log return",
        lambda f, a: ta.log_returns(f.close, _i(a[0])),
    ),
    IndicatorDef("vol", _LEN20, "deviation of 1-bar log returns over n bars", _vol),
]

CATALOG: dict[str, IndicatorDef] = {d.name: d for d in _DEFS}


def normalise(name: str, args: tuple[float, ...]) -> IndicatorRequest:
    """Return the request with defaults filled in and ints as ints; raise ValueError if bad."""
    spec = CATALOG.get(name)
    if spec is None:
        raise ValueError(f"unknown indicator {name!r}")
    if len(args) > len(spec.args):
        raise ValueError(f"{name} takes at most {len(spec.args)} argument(s), got {len(args)}")
    full: list[float] = []
    for i, arg in enumerate(spec.args):
        value = args[i] if i < len(args) else arg.default
        if arg.kind == "int":
            if not float(value).is_integer():
                raise ValueError(f"{name}: {arg.name} must be an integer, got {value!r}")
            value = int(value)
        if value < arg.minimum:
            raise ValueError(f"{name}: {arg.name} must be >= {arg.minimum:g}, got {value!r}")
        full.append(value)
    return (name, tuple(full))


def compute(frame: MarketFrame, request: IndicatorRequest) -> FloatArray:
    """Compute one normalised request over every symbol of ``frame``."""
    name, args = request
    return CATALOG[name].fn(frame, args)


def _bb_group(frame: MarketFrame, a: tuple[float, ...]) -> dict[str, FloatArray]:
    up, mid, lo = ta.bbands(frame.close, _i(a[0]), a[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.where(mid != 0, (up - lo) / np.abs(mid), np.nan)
    return {"bb_upper": up, "bb_middle": mid, "bb_lower": lo, "bb_width": width}


def _donchian_group(frame: MarketFrame, a: tuple[float, ...]) -> dict[str, FloatArray]:
    up, lo, mid = ta.donchian(frame.high, frame.low, _i(a[0]))
    return {"donchian_upper": up, "donchian_lower": lo, "donchian_middle": mid}


_GROUPS = {"bb": _bb_group, "donchian": _donchian_group}


def compute_group(
    frame: MarketFrame, request: IndicatorRequest
) -> dict[IndicatorRequest, FloatArray]:
    """Compute ``request`` and every member of its group from one pass (same arguments)."""
    name, args = request
    group = CATALOG[name].group
    if not group:
        return {request: compute(frame, request)}
    return {(member, args): arr for member, arr in _GROUPS[group](frame, args).items()}
