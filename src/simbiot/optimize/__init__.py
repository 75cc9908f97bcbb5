"""Genetic optimisation of strategy parameters (G7, S3, I2): optuna's NSGA-II over a
strategy's declared ranges, fitness from walk-forward backtests on the fast path, studies
stored in the database so runs resume and many workers share one study.

    fitness = WalkForwardFitness(strategy, frame, splits, backtest_settings)
    opt = GeneticOptimizer(name, open_storage(sync_url(url, data_dir)),
                           SearchSpace(strategy.parameters()), fitness.evaluate, population=50)
    result = opt.run(generations=20)                   # resumes a stopped run by name
    result.pareto, result.best()
"""

from simbiot.optimize.fitness import Fitness, WalkForwardFitness, portfolio_stats
from simbiot.optimize.genetic import GeneticOptimizer, OptimizationResult, ParetoPoint
from simbiot.optimize.space import THRESHOLD_GENE, SearchSpace
from simbiot.optimize.storage import open_storage, sync_url

__all__ = [
    "THRESHOLD_GENE",
    "Fitness",
    "GeneticOptimizer",
    "OptimizationResult",
    "ParetoPoint",
    "SearchSpace",
    "WalkForwardFitness",
    "open_storage",
    "portfolio_stats",
    "sync_url",
]
