"""Potential score (A7): a 0-100 score per symbol, a deterministic rank and state flags.

Each component is turned into a cross-sectional percentile (0-1) among the symbols scanned
now, so the score says "better than x % of today's market" whatever the regime. Weights come
from ``AnalysisSettings`` (``w_*``, normalised by their sum over the components a symbol has);
symbols with anomalous metrics lose ``anomaly_penalty`` points. Ties are broken by symbol
name so the ranking is reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simbiot.analysis.detectors.base import DetectorResult
from simbiot.analysis.xray.anomaly import AnomalyResult
from simbiot.analysis.xray.metrics import TokenMetrics
from simbiot.analysis.xray.numeric import FloatArray, cross_section_rank
from simbiot.config.sections import AnalysisSettings
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["Scores", "score_symbols"]

_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Scores:
    """Scores, ranks and flags aligned with the metrics' symbols."""

    score: FloatArray  # (symbols,) 0-100
    rank: npt.NDArray[np.int64]  # 1 = best
    order: npt.NDArray[np.intp]  # rows from best to worst
    flags: tuple[tuple[str, ...], ...]
    components: Mapping[str, FloatArray]  # each 0-1 (NaN when unknown)


def score_symbols(
    metrics: TokenMetrics,
    settings: AnalysisSettings,
    *,
    detections: Mapping[str, DetectorResult],
    anomaly: AnomalyResult | None,
    timeframe: str,
) -> Scores:
    """Score, rank and flag every symbol of ``metrics``."""
    s = settings
    n = len(metrics.symbols)
    trend = detections.get("trend")
    patterns = detections.get("patterns")
    with np.errstate(all="ignore"):
        components: dict[str, FloatArray] = {
            "momentum": cross_section_rank(metrics.momentum_z),
            "trend": cross_section_rank(
                trend.score if trend is not None else metrics.trend_strength
            ),
            "relative_strength": cross_section_rank(metrics.relative_strength),
            "volume": cross_section_rank(metrics.volume_z),
            "liquidity": cross_section_rank(np.log10(metrics.liquidity + 1.0)),
            "pattern": (patterns.score + 1.0) / 2.0 if patterns is not None else np.full(n, np.nan),
        }
    weights = {
        "momentum": s.w_momentum,
        "trend": s.w_trend,
        "relative_strength": s.w_relative_strength,
        "volume": s.w_volume,
        "liquidity": s.w_liquidity,
        "pattern": s.w_pattern,
    }
    num = np.zeros(n)
    den = np.zeros(n)
    for name, comp in components.items():
        ok = np.isfinite(comp)
        num += np.where(ok, weights[name] * comp, 0.0)
        den += np.where(ok, weights[name], 0.0)
    score = np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1.0), 0.0)
    anomalous = anomaly.anomalous if anomaly is not None else np.zeros(n, dtype=bool)
    score = np.clip(score - s.anomaly_penalty * anomalous, 0.0, 100.0)
    score = np.where(np.isfinite(metrics.price), score, 0.0)
    order = np.lexsort((np.asarray(metrics.symbols, dtype=str), -score)).astype(np.intp)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    flags = _flags(metrics, s, detections, anomalous, timeframe)
    return Scores(score, rank, order, flags, components)


def _flags(
    m: TokenMetrics,
    s: AnalysisSettings,
    detections: Mapping[str, DetectorResult],
    anomalous: npt.NDArray[np.bool_],
    timeframe: str,
) -> tuple[tuple[str, ...], ...]:
    new_listing_days = s.new_listing_bars * timeframe_ms(timeframe) / _DAY_MS
    with np.errstate(invalid="ignore"):
        named: dict[str, npt.NDArray[np.bool_]] = {
            "no_data": ~np.isfinite(m.price),
            "volume_spike": m.volume_z >= s.volume_spike_z,
            "overbought": m.rsi >= s.rsi_overbought,
            "oversold": m.rsi <= s.rsi_oversold,
            "anomaly": anomalous,
            "new_listing": m.listing_age_days < new_listing_days,
        }
    for result in detections.values():
        named.update(result.flags)
    # One pass per flag (a handful), not per symbol.
    per_symbol: list[list[str]] = [[] for _ in m.symbols]
    for name, hit in named.items():
        for i in np.flatnonzero(hit):
            per_symbol[i].append(name)
    return tuple(tuple(x) for x in per_symbol)
