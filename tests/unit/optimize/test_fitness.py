from __future__ import annotations

import numpy as np
import pytest

from simbiot.analysis.xray.synthetic import random_market
from simbiot.backtest.robustness import walk_forward_splits
from simbiot.config.sections import BacktestSettings
from simbiot.optimize.fitness import WalkForwardFitness, portfolio_stats
from simbiot.signals.registry import StrategyRegistry


def test_portfolio_stats_of_known_curves() -> None:
    up = np.linspace(100, 200, 50)
    down = np.r_[np.linspace(100, 150, 25), np.linspace(150, 75, 25)]
    eq = np.stack([np.stack([up, up]), np.stack([down, down])])
    sharpe, mdd = portfolio_stats(eq, 8760)
    assert sharpe[0] > 0
    assert mdd[0] == 0.0
    assert mdd[1] == pytest.approx(0.5)
    flat = portfolio_stats(np.ones((1, 2, 10)), 8760)
    assert flat[0][0] == 0.0


def test_walk_forward_scores_a_generation_in_one_batch() -> None:
    frame = random_market(6, 900, seed=3)
    strat = StrategyRegistry.with_builtins().get("trend_ema_adx")
    splits = walk_forward_splits(900, train=300, test=200)
    fit = WalkForwardFitness(strat, frame, splits, BacktestSettings(), min_trades=0.5)
    pop = [
        {"fast": 5, "slow": 20, "adx_len": 14, "adx_min": 10.0},
        {"fast": 12, "slow": 26, "adx_len": 14, "adx_min": 20.0},
        {"fast": 30, "slow": 10, "adx_len": 14, "adx_min": 20.0},  # refused: fast >= slow
        {"fast": 12, "slow": 26, "adx_len": 14, "adx_min": 60.0},  # hardly trades
    ]
    out = fit.evaluate(pop)
    assert out.sharpe.shape == (4,)
    assert out.sharpe[2] == -100.0
    assert out.max_drawdown[2] == 1.0
    assert out.trades[0] > out.trades[3]
    assert np.isfinite(out.sharpe).all()
    assert ((out.max_drawdown >= 0) & (out.max_drawdown <= 1)).all()
    # The same set scores the same alone and in a batch.
    alone = fit.evaluate([pop[1]])
    assert alone.values(0) == pytest.approx(out.values(1))
    with pytest.raises(ValueError):
        WalkForwardFitness(strat, frame, [], BacktestSettings())
