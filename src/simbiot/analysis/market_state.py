"""Market state (A3, C4): bull / bear / sideways / high volatility / crash, with reasons.

Every price threshold is expressed in units of the reference series' *own* per-bar volatility
(sigma of log returns), so the same percent move is a trend in a calm market and noise in a
wild one:

- trend: |log EMA slope over ``state_slope_bars``| > ``trend_k`` × sigma × sqrt(bars),
  with momentum (log return over ``momentum_bars``) of the same sign;
- crash: the drop from the peak of the last ``crash_bars`` exceeds ``crash_m`` × sigma ×
  sqrt(bars); sigma is measured *before* that window so the crash cannot hide itself;
- high volatility: sigma over the last ``high_vol_bars`` > ``high_vol_ratio`` × baseline sigma
  while no trend is clear (a violent rally is a bull market, its volatility a reason).

Precedence: crash, then bull / bear, then high volatility, then sideways.

The reference is the first of ``reference_symbols`` present, not quarantined and with at
least ``min_reference_candles`` consecutive candles at the end of the window. Without one, the
same rules run on an equal-weight market index (cross-sectional median log return) and the
state says ``reference=None``. Without any usable data the stated default is returned:
``sideways``, confidence 0, ``is_default=True``. Market breadth (share of symbols above their
EMA, share advancing over the momentum horizon) confirms or weakens the verdict's confidence.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from simbiot.analysis.indicators import ema
from simbiot.analysis.xray.numeric import FloatArray, log_prices, valid_suffix_len
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.frame import MarketFrame

__all__ = [
    "MarketRegime",
    "MarketState",
    "MarketStateClassifier",
    "SeriesReading",
    "choose_reference",
    "read_series",
]

# Below this many bars the market index is not worth classifying.
_MIN_INDEX_BARS = 10


class MarketRegime(StrEnum):
    """The five market states."""

    BULL = "bull"
    BEAR = "bear"
    SIDEWAYS = "sideways"
    HIGH_VOLATILITY = "high_volatility"
    CRASH = "crash"


@dataclass(frozen=True, slots=True)
class MarketState:
    """A verdict on the whole market, with the numbers behind it."""

    regime: MarketRegime
    confidence: float
    reasons: tuple[str, ...]
    reference: str | None
    is_default: bool = False
    measures: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def default(cls, reason: str = "no data") -> MarketState:
        """Return the stated default used when the market cannot be read (C4)."""
        return cls(MarketRegime.SIDEWAYS, 0.0, (reason,), None, is_default=True)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (non-finite measures become None)."""
        return {
            "regime": self.regime.value,
            "confidence": round(self.confidence, 4),
            "reasons": list(self.reasons),
            "reference": self.reference,
            "is_default": self.is_default,
            "measures": {
                k: (round(v, 6) if math.isfinite(v) else None) for k, v in self.measures.items()
            },
        }


@dataclass(frozen=True, slots=True)
class SeriesReading:
    """What the classifier measures on one price series (z values in sigma units)."""

    bars: int
    sigma: float
    slope_z: float
    momentum_z: float
    drawdown_z: float
    vol_ratio: float


def read_series(close: FloatArray, settings: AnalysisSettings) -> SeriesReading:
    """Measure trend, momentum, drawdown and volatility of a fully valid 1-D price series."""
    logp = np.log(close)
    r = np.diff(logp)
    n = len(close)
    c = min(settings.crash_bars, n - 1)
    base = r[max(0, len(r) - c - settings.state_vol_bars) : len(r) - c]
    sigma = _std(base) if base.size >= 10 else _std(r)
    if not sigma > 0:
        sigma = _std(r)
    if not sigma > 0:  # a flat series: nothing moved, every z is 0
        return SeriesReading(n, 0.0, 0.0, 0.0, 0.0, 1.0)
    slope_bars = min(settings.state_slope_bars, n - 1)
    e = ema(close, min(settings.state_ema_period, max(2, n // 2)))
    slope = float(np.log(e[-1]) - np.log(e[-1 - slope_bars])) if slope_bars > 0 else 0.0
    m = min(settings.momentum_bars, n - 1)
    momentum = float(logp[-1] - logp[-1 - m])
    drawdown = float(logp[-1] - logp[-1 - c :].max())
    h = min(settings.high_vol_bars, len(r))
    recent = _std(r[-h:])
    return SeriesReading(
        bars=n,
        sigma=sigma,
        slope_z=_nan_to_zero(slope / (sigma * math.sqrt(max(slope_bars, 1)))),
        momentum_z=momentum / (sigma * math.sqrt(max(m, 1))),
        drawdown_z=drawdown / (sigma * math.sqrt(max(c, 1))),
        vol_ratio=recent / sigma,
    )


def choose_reference(
    frame: MarketFrame, settings: AnalysisSettings, quarantined: Collection[str]
) -> tuple[int | None, list[str]]:
    """Return the row of the first usable reference symbol and why others were skipped."""
    skipped: list[str] = []
    for symbol in settings.reference_symbols:
        if symbol in quarantined:
            skipped.append(f"{symbol} quarantined")
            continue
        try:
            row = frame.index(symbol)
        except KeyError:
            skipped.append(f"{symbol} absent")
            continue
        suffix = int(valid_suffix_len(frame.close[row]))
        if suffix < settings.min_reference_candles:
            skipped.append(
                f"{symbol} has {suffix} valid candles (< {settings.min_reference_candles})"
            )
            continue
        return row, skipped
    return None, skipped


class MarketStateClassifier:
    """Classify the market from a reference symbol and the breadth of the whole frame."""

    def __init__(self, settings: AnalysisSettings) -> None:
        self._s = settings

    def classify(
        self,
        frame: MarketFrame,
        *,
        quarantined: Collection[str] = frozenset(),
        reference_row: int | None = None,
        skipped: list[str] | None = None,
    ) -> MarketState:
        """Return the market state; ``reference_row`` overrides the reference choice."""
        s = self._s
        if frame.shape[0] == 0 or frame.shape[1] < 2:
            return MarketState.default("no data")
        usable = np.array([sym not in quarantined for sym in frame.symbols], dtype=bool)
        # Without quarantined symbols the whole frame is used as is (no copy).
        close = frame.close if usable.all() else frame.close[usable]
        if reference_row is None and skipped is None:
            reference_row, skipped = choose_reference(frame, s, quarantined)
        skipped = skipped or []
        if reference_row is not None:
            n = int(valid_suffix_len(frame.close[reference_row])[()])
            series = frame.close[reference_row, frame.shape[1] - n :]
            name: str | None = frame.symbols[reference_row]
            label = f"{name}"
        else:
            series = _market_index(close)
            name = None
            if series.size < max(_MIN_INDEX_BARS, 2):
                return MarketState.default(
                    "no data" if series.size == 0 else f"too little data ({series.size} bars)"
                )
            label = f"market index ({int(usable.sum())} symbols)"
        reading = read_series(series, s)
        above, advancing = _breadth(close, s)
        state = self._verdict(reading, label)
        reasons = list(state[2])
        if name is None:
            why = "; ".join(skipped) if skipped else "no reference configured"
            reasons.append(f"no usable reference ({why}): breadth-only")
        confidence = _breadth_adjust(state[0], state[1], above, advancing, s.breadth_margin)
        reasons.append(
            f"breadth {_pct(above)} above EMA{s.state_ema_period}, {_pct(advancing)} advancing"
            f" over {s.momentum_bars} bars"
        )
        measures = {
            "sigma": reading.sigma,
            "slope_z": reading.slope_z,
            "momentum_z": reading.momentum_z,
            "drawdown_z": reading.drawdown_z,
            "vol_ratio": reading.vol_ratio,
            "breadth_above_ema": above,
            "breadth_advancing": advancing,
            "bars": float(reading.bars),
        }
        return MarketState(state[0], confidence, tuple(reasons), name, False, measures)

    def _verdict(self, r: SeriesReading, label: str) -> tuple[MarketRegime, float, tuple[str, ...]]:
        s = self._s
        sig = f"sigma {r.sigma * 100:.3f}%/bar on {label}"
        slope = (
            f"EMA{s.state_ema_period} slope {r.slope_z:+.2f}σ over {s.state_slope_bars} bars"
            f" (trend beyond ±{s.trend_k:g}σ)"
        )
        mom = f"momentum {r.momentum_z:+.2f}σ over {s.momentum_bars} bars"
        if r.drawdown_z <= -s.crash_m:
            dd = (
                f"drop {r.drawdown_z:+.2f}σ from the {s.crash_bars}-bar peak"
                f" (crash beyond -{s.crash_m:g}σ)"
            )
            return MarketRegime.CRASH, _confidence(-r.drawdown_z, s.crash_m), (dd, sig)
        vol = (
            f"volatility {r.vol_ratio:.2f}× baseline over {s.high_vol_bars} bars"
            f" (high beyond {s.high_vol_ratio:g}×)"
        )
        wild = r.vol_ratio >= s.high_vol_ratio
        # A clear trend outranks high volatility: a violent rally is still a bull market.
        if r.slope_z >= s.trend_k and r.momentum_z > 0:
            why = (slope, mom, vol, sig) if wild else (slope, mom, sig)
            return MarketRegime.BULL, _confidence(r.slope_z, s.trend_k), why
        if r.slope_z <= -s.trend_k and r.momentum_z < 0:
            why = (slope, mom, vol, sig) if wild else (slope, mom, sig)
            return MarketRegime.BEAR, _confidence(-r.slope_z, s.trend_k), why
        if wild:
            confidence = _confidence(r.vol_ratio, s.high_vol_ratio)
            return MarketRegime.HIGH_VOLATILITY, confidence, (vol, sig)
        calm = 1.0 - min(1.0, abs(r.slope_z) / s.trend_k)
        return MarketRegime.SIDEWAYS, 0.5 + 0.5 * calm, (slope, mom, sig)


def _confidence(value: float, threshold: float) -> float:
    """0.5 at the threshold, rising towards 1 as the value exceeds it."""
    excess = max(0.0, value / threshold - 1.0)
    return 0.5 + 0.5 * (1.0 - math.exp(-2.0 * excess))


def _breadth_adjust(
    regime: MarketRegime, confidence: float, above: float, advancing: float, margin: float
) -> float:
    if not (math.isfinite(above) and math.isfinite(advancing)):
        return confidence
    tilt = (above + advancing) / 2 - 0.5
    direction = {
        MarketRegime.BULL: 1.0,
        MarketRegime.BEAR: -1.0,
        MarketRegime.CRASH: -1.0,
    }.get(regime, 0.0)
    if direction == 0.0:  # sideways / high volatility: a lopsided market argues against
        adjust = -0.2 if abs(tilt) > margin and regime is MarketRegime.SIDEWAYS else 0.0
    elif tilt * direction > margin:
        adjust = 0.15
    elif tilt * direction < -margin:
        adjust = -0.25
    else:
        adjust = 0.0
    return float(min(1.0, max(0.0, confidence + adjust)))


def _breadth(close: FloatArray, s: AnalysisSettings) -> tuple[float, float]:
    """Share of symbols above their EMA and share advancing over the momentum horizon."""
    if close.shape[0] == 0 or close.shape[1] <= s.momentum_bars:
        return math.nan, math.nan
    e = ema(np.ascontiguousarray(close), s.state_ema_period)
    last, ref = close[:, -1], e[:, -1]
    ok = np.isfinite(last) & np.isfinite(ref)
    past = close[:, -1 - s.momentum_bars]
    ok_adv = np.isfinite(last) & np.isfinite(past)
    above = float((last[ok] > ref[ok]).mean()) if ok.any() else math.nan
    advancing = float((last[ok_adv] > past[ok_adv]).mean()) if ok_adv.any() else math.nan
    return above, advancing


def _market_index(close: FloatArray) -> FloatArray:
    """Equal-weight index: cumulative cross-sectional median log return (valid suffix only)."""
    if close.shape[0] == 0 or close.shape[1] < 2:
        return np.empty(0)
    r = np.diff(log_prices(close), axis=1)
    with np.errstate(all="ignore"):
        have = np.isfinite(r).any(axis=0)
        med = np.full(r.shape[1], np.nan)
        if have.any():
            med[have] = np.nanmedian(r[:, have], axis=0)
    n = int(valid_suffix_len(med)[()])
    if n == 0:
        return np.empty(0)
    return np.exp(np.concatenate(([0.0], np.cumsum(med[len(med) - n :]))))


def _std(x: FloatArray) -> float:
    return float(np.std(x, ddof=1)) if x.size > 1 else 0.0


def _nan_to_zero(x: float) -> float:
    return x if math.isfinite(x) else 0.0


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%" if math.isfinite(x) else "n/a"
