"""Candlestick and structure patterns (A5), vectorised over every symbol.

Patterns judged at the newest candle:

- ``breakout`` / ``breakdown``: close beyond the previous bar's Donchian channel;
- ``squeeze``: Bollinger bands inside the Keltner channel (middle ± ``keltner_atr`` × ATR
  over ``atr_period``),
  volatility compressed before a move;
- ``bullish_engulfing`` / ``bearish_engulfing``: the body engulfs the previous opposite body;
- ``hammer``: lower wick ≥ 2 bodies, upper wick ≤ one body, after a decline;
- ``higher_highs`` / ``lower_lows``: highs and lows of three consecutive blocks of
  ``structure_bars`` rising (falling) together.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simbiot.analysis.detectors.base import DetectorResult, FeatureView
from simbiot.analysis.xray.bank import IndicatorBank
from simbiot.analysis.xray.numeric import FloatArray, last_column
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.frame import MarketFrame

__all__ = ["PatternDetector"]

BoolArray = npt.NDArray[np.bool_]

# Direction each pattern argues for, in label priority order (first raised = the label).
PATTERN_WEIGHTS: dict[str, float] = {
    "breakout": 1.0,
    "breakdown": -1.0,
    "bullish_engulfing": 0.5,
    "bearish_engulfing": -0.5,
    "hammer": 0.5,
    "higher_highs": 0.5,
    "lower_lows": -0.5,
    "squeeze": 0.0,
}
LABELS = ("none", *PATTERN_WEIGHTS)


class PatternDetector:
    """Flags the patterns above; score = sum of their directions, clipped to [-1, 1]."""

    name = "patterns"
    needs_features = False

    def __init__(self, settings: AnalysisSettings) -> None:
        self._s = settings

    def detect(
        self, frame: MarketFrame, ind: IndicatorBank, feats: FeatureView | None
    ) -> DetectorResult:
        """Flag every pattern for every symbol at its newest candle."""
        flags = self.flags(frame, ind)
        n = frame.shape[0]
        score = np.zeros(n)
        label = np.zeros(n, dtype=np.int64)
        for i, (name, weight) in reversed(list(enumerate(PATTERN_WEIGHTS.items(), start=1))):
            hit = flags[name]
            score += weight * hit
            label = np.where(hit, i, label)
        return DetectorResult(self.name, LABELS, label, np.clip(score, -1.0, 1.0), flags)

    def flags(self, frame: MarketFrame, ind: IndicatorBank) -> dict[str, BoolArray]:
        """Return every pattern's boolean flag, (symbols,) each."""
        s = self._s
        o, h, lw, c = (frame.open, frame.high, frame.low, frame.close)
        with np.errstate(all="ignore"):
            upper, lower, _ = ind.donchian(s.donchian_bars)
            c0, o0, h0, l0 = (last_column(x) for x in (c, o, h, lw))
            c1, o1 = last_column(c, 1), last_column(o, 1)
            bb_up, bb_mid, bb_lo = (last_column(x) for x in ind.bbands(s.bb_period, s.bb_nbdev))
            atr = last_column(ind.atr(s.atr_period))
            body = np.abs(c0 - o0)
            lower_wick = np.minimum(o0, c0) - l0
            upper_wick = h0 - np.maximum(o0, c0)
            declined = c1 < last_column(c, 1 + s.structure_bars)
            out: dict[str, BoolArray] = {
                "breakout": c0 > last_column(upper, 1),
                "breakdown": c0 < last_column(lower, 1),
                "bullish_engulfing": (c1 < o1) & (c0 > o0) & (o0 <= c1) & (c0 >= o1),
                "bearish_engulfing": (c1 > o1) & (c0 < o0) & (o0 >= c1) & (c0 <= o1),
                "hammer": (h0 > l0) & (lower_wick >= 2 * body) & (upper_wick <= body) & declined,
                "higher_highs": _structure(h, lw, s.structure_bars, rising=True),
                "lower_lows": _structure(h, lw, s.structure_bars, rising=False),
                "squeeze": (bb_up < bb_mid + s.keltner_atr * atr)
                & (bb_lo > bb_mid - s.keltner_atr * atr),
            }
        return {k: np.asarray(v, dtype=bool) for k, v in out.items()}


def _structure(high: FloatArray, low: FloatArray, bars: int, *, rising: bool) -> BoolArray:
    """Highs and lows of three consecutive ``bars``-blocks move the same way."""
    n_sym, n_bars = high.shape
    if n_bars < 3 * bars:
        return np.zeros(n_sym, dtype=bool)
    hb = high[:, n_bars - 3 * bars :].reshape(n_sym, 3, bars)
    lb = low[:, n_bars - 3 * bars :].reshape(n_sym, 3, bars)
    complete = np.isfinite(hb).all(axis=(1, 2)) & np.isfinite(lb).all(axis=(1, 2))
    hi, lo = hb.max(axis=2), lb.min(axis=2)
    dh, dl = np.diff(hi, axis=1), np.diff(lo, axis=1)
    moves = (dh > 0) & (dl > 0) if rising else (dh < 0) & (dl < 0)
    return np.asarray(complete & moves.all(axis=1))
