"""GA throughput: NSGA-II evaluations per second on 50 symbols × 2,000 candles.

Each generation is asked for at once, scored in one batch by the walk-forward fitness
(``run_signals`` over a (sets, symbols, time) stack), then told back; the sampler's share
of the wall time is reported. For scale: freqtrade hyperopt ≈ 0.2 evaluations/s, a plain
numba loop > 1,000/s. Run: ``python -m bench optimize [--quick]``.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import tempfile
from pathlib import Path
from typing import Any

from simbiot.analysis.xray.synthetic import random_market
from simbiot.backtest.robustness import walk_forward_splits
from simbiot.config.sections import BacktestSettings
from simbiot.optimize.fitness import WalkForwardFitness
from simbiot.optimize.genetic import GeneticOptimizer
from simbiot.optimize.space import SearchSpace
from simbiot.optimize.storage import open_storage
from simbiot.signals import StrategyRegistry


def _one(strategy: str, population: int, generations: int, storage_url: str) -> dict[str, Any]:
    frame = random_market(50, 2000, seed=3)
    strat = StrategyRegistry.with_builtins().get(strategy)
    # Walk-forward: the out-of-sample windows cover the newest 1,500 candles.
    splits = walk_forward_splits(2000, train=500, test=500)
    fitness = WalkForwardFitness(strat, frame, splits, BacktestSettings())
    fitness.evaluate([{k: v.default for k, v in strat.parameters().items()}])  # warm numba
    opt = GeneticOptimizer(
        f"bench-{strategy}", open_storage(storage_url), SearchSpace(strat.parameters()),
        fitness.evaluate, population=population, seed=1,
    )  # fmt: skip
    res = opt.run(generations)
    return {
        "evaluations": res.trials,
        "evaluations_per_s": round(res.evaluations_per_s, 1),
        "sampler_and_storage_share": round(res.sampler_share, 3),
        "candles_per_evaluation": 50 * 1500,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Return evaluations/s of the GA for two strategies (SQLite study storage)."""
    population, generations = (20, 2) if quick else (50, 6)
    out: dict[str, Any] = {"symbols": 50, "candles": 2000, "population": population}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        for name in ("trend_ema_adx", "mean_reversion"):
            out[name] = _one(name, population, generations, url)
    out["reference"] = {"freqtrade_hyperopt_per_s": 0.19, "numba_grid_1_thread_per_s": 2539}
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=2))
