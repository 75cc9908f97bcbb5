from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_strategy_registry import SHIPPED

from simbiot.analysis.features import compute_features
from simbiot.analysis.indicators import compute_indicators
from simbiot.analysis.xray.engine import XRayEngine
from simbiot.analysis.xray.synthetic import random_market
from simbiot.config.sections import AnalysisSettings
from simbiot.signals.context import DEFAULT_FEATURES, SignalInputs
from simbiot.signals.engine import SignalEngine
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import Side, StrategyConfig
from simbiot.signals.registry import StrategyRegistry


def test_inputs_from_an_xray_pass_feed_feature_rules_and_scores() -> None:
    result = XRayEngine(AnalysisSettings(features_always=True)).analyse(
        random_market(80, 400, seed=5)
    )
    assert result.features is not None
    inputs = SignalInputs.from_xray(result)
    assert set(inputs.features) == set(result.features.names)
    assert inputs.market_state == result.state
    registry = StrategyRegistry.from_directory(SHIPPED, strict=True)
    cfg = registry.default_config("relative_strength", top=50.0, push=0.0)
    out = SignalEngine(registry, IndicatorCache()).evaluate_detailed(inputs, [cfg])
    assert out.errors == {}
    frame = out.frames[cfg.config_id]
    rel = result.features.get("rel_strength_24")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # bars where no symbol has a value
        above = rel > np.nanpercentile(rel, 50, axis=0)
    assert frame.entry.any()
    assert not (frame.entry & ~above).any()
    scores = {row.symbol: row.score for row in result.snapshot.symbols}
    for s in out.signals[cfg.config_id]:
        if s.side is Side.ENTRY_LONG and s.symbol in scores:
            assert s.xray_score == scores[s.symbol]


def test_from_analysis_checks_symbols_and_defaults() -> None:
    frame = random_market(10, 200, seed=2)
    ind = compute_indicators(frame)
    feats = compute_features(frame, ind, 0)
    inputs = SignalInputs.from_analysis(frame, indicators=ind, features=feats)
    assert inputs.xray_scores == {}
    assert inputs.market_state is None
    assert tuple(inputs.features) == feats.names
    assert set(DEFAULT_FEATURES) == set(feats.names)
    with pytest.raises(ValueError, match="other symbols"):
        SignalInputs.from_analysis(frame.select([0, 1]), features=feats)
    cfg = StrategyConfig("trend_ema_adx", {"adx_min": 0.0})
    shared = SignalEngine(StrategyRegistry.with_builtins(), IndicatorCache()).evaluate(
        inputs, [cfg]
    )
    assert isinstance(shared[cfg.config_id], list)
