"""Model multipliers for sizing (R1) and stops (R3), per symbol, from the cycle's batch.

Size: conviction (the trend champion's probability over its validation base rate) times
expected calm (realised over predicted volatility), clipped to
[``learning.size_floor``, ``learning.size_cap``]. Stop: predicted over realised volatility,
clipped to [``learning.stop_low``, ``learning.stop_high``]. A symbol without a prediction
gets no entry (the risk rules' multiplier 1); no champion at all leaves the context as is.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simbiot.config.sections import LearningSettings
from simbiot.execution.accounts import MarketContext
from simbiot.learning.decisions import size_multiplier, stop_multiplier
from simbiot.services.ml_models import CycleBatch

__all__ = ["risk_multipliers", "with_model_risk"]


def risk_multipliers(
    batch: CycleBatch, settings: LearningSettings
) -> tuple[dict[str, float], dict[str, float]]:
    """Return (size multiplier, stop multiplier) per symbol the models have an opinion on."""
    n = len(batch.symbols)
    trend, vol = batch.get("trend"), batch.get("volatility")
    if trend is None and vol is None:
        return {}, {}
    p = trend.values if trend is not None else np.full(n, np.nan)
    pv = vol.values if vol is not None else np.full(n, np.nan)
    rv = batch.realised_vol
    champion = batch.models.get("trend")
    neutral = champion.base_rate() if champion is not None else 0.5
    with np.errstate(all="ignore"):
        ratio = np.where((rv > 0) & np.isfinite(rv), pv / rv, np.nan)  # predicted / realised
    size = size_multiplier(
        p, ratio, target_vol=1.0, neutral=neutral, floor=settings.size_floor, cap=settings.size_cap
    )
    stop = stop_multiplier(pv, rv, low=settings.stop_low, high=settings.stop_high)
    has_size = np.isfinite(p) | np.isfinite(ratio)
    has_stop = np.isfinite(pv) & np.isfinite(rv) & (rv > 0) & (pv > 0)
    symbols = batch.symbols
    return (
        {symbols[i]: float(size[i]) for i in np.flatnonzero(has_size)},
        {symbols[i]: float(stop[i]) for i in np.flatnonzero(has_stop)},
    )


def with_model_risk(
    ctx: MarketContext, batch: CycleBatch | None, settings: LearningSettings
) -> MarketContext:
    """``ctx`` carrying the models' multipliers (unchanged without a batch)."""
    if batch is None:
        return ctx
    size, stop = risk_multipliers(batch, settings)
    if not size and not stop:
        return ctx
    return replace(ctx, size_scale=size, stop_scale=stop)
