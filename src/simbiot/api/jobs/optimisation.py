"""Running an optimisation job: NSGA-II over a strategy's parameters on walk-forward folds.

The study is named after the job, so a job taken over after its worker died resumes the
generations already stored instead of starting again.
"""

from __future__ import annotations

from typing import Any

from simbiot.api.jobs.kinds import Progress, plain_json
from simbiot.backtest.robustness import walk_forward_splits
from simbiot.config import Settings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.errors import DataError
from simbiot.learning.builders import optimize_settings, study_url
from simbiot.optimize import GeneticOptimizer, SearchSpace, WalkForwardFitness, open_storage
from simbiot.signals import StrategyRegistry

__all__ = ["run_optimisation"]


def run_optimisation(
    settings: Settings, job_id: int, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """Evolve ``params["strategy"]``'s parameters; return the Pareto front and the best."""
    os_ = optimize_settings(settings)
    train = params.get("train_bars") or os_.train_bars
    test = params.get("test_bars") or os_.test_bars
    strat = StrategyRegistry.from_directory(settings.signals.rules_dir).get(params["strategy"])
    store = ParquetCandleStore(
        settings.path(settings.data.candle_dir),
        params.get("exchange") or settings.exchanges.default,
        params.get("timeframe") or settings.data.timeframe,
    )
    frame = store.load_frame(params.get("symbols"), int(params.get("window") or 3000))
    splits = walk_forward_splits(frame.shape[1], train=train, test=test)
    if not splits:
        raise DataError(f"{frame.shape[1]} candles cannot hold {train} training + {test} test bars")
    progress(0.02)
    fitness = WalkForwardFitness(
        strat, frame, splits[-os_.folds :], settings.backtest, min_trades=os_.min_trades
    )
    space = SearchSpace(
        strat.parameters(), os_.threshold_multiplier_low, os_.threshold_multiplier_high
    )
    opt = GeneticOptimizer(
        f"api-job-{job_id}",
        open_storage(study_url(settings)),
        space,
        fitness.evaluate,
        population=int(params.get("population") or os_.population),
        crossover_prob=os_.crossover_prob,
        seed=os_.seed,
    )
    result = opt.run(
        int(params.get("generations") or os_.generations),
        lambda done, target: progress(0.02 + 0.97 * done / max(target, 1)),
    )
    doc = result.to_json()
    best = result.best()
    doc["best"] = None if best is None else {"params": best.params, "sharpe": best.sharpe}
    return plain_json(doc)
