"""NSGA-II over a strategy's parameters, one generation evaluated as one batch.

optuna's ask/tell interface asks for a whole population, the fitness scores it in one
vectorised pass, and the results are told back: the sampler's own overhead stays a small
share of the run. The study lives in the database under its name, so a stopped run resumes
where it left off and several workers running the same name share one study.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import optuna

from simbiot.optimize.fitness import Fitness
from simbiot.optimize.space import SearchSpace

__all__ = ["GeneticOptimizer", "OptimizationResult", "ParetoPoint"]

Evaluate = Callable[[list[dict[str, Any]]], Fitness]
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ParetoPoint:
    """One non-dominated parameter set."""

    trial: int
    params: dict[str, Any]
    genes: dict[str, Any]
    sharpe: float
    max_drawdown: float


@dataclass(frozen=True, slots=True)
class OptimizationResult:
    """The study's state after a run: its Pareto front and throughput."""

    study: str
    trials: int
    generations_run: int
    pareto: list[ParetoPoint]
    evaluations_per_s: float
    sampler_share: float
    extra: dict[str, Any] = field(default_factory=dict)

    def best(self) -> ParetoPoint | None:
        """The front's point with the highest Sharpe (drawdown breaks ties)."""
        if not self.pareto:
            return None
        return max(self.pareto, key=lambda p: (p.sharpe, -p.max_drawdown))

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the CLI (--json) and the API."""
        return {
            "study": self.study,
            "trials": self.trials,
            "generations_run": self.generations_run,
            "evaluations_per_s": self.evaluations_per_s,
            "sampler_share": self.sampler_share,
            "pareto": [_point(p) for p in self.pareto],
            **self.extra,
        }


def _point(p: ParetoPoint) -> dict[str, Any]:
    return {
        "trial": p.trial,
        "params": p.params,
        "genes": p.genes,
        "sharpe": p.sharpe,
        "max_drawdown": p.max_drawdown,
    }


class GeneticOptimizer:
    """Runs NSGA-II generations of one study (created or resumed by name)."""

    def __init__(
        self,
        study_name: str,
        storage: optuna.storages.BaseStorage,
        space: SearchSpace,
        evaluate: Evaluate,
        *,
        population: int,
        crossover_prob: float = 0.9,
        seed: int | None = None,
    ) -> None:
        if population < 2:
            raise ValueError("population must be at least 2")
        self._space = space
        self._evaluate = evaluate
        self._population = population
        self._dists = space.distributions()
        if not self._dists:
            raise ValueError("the strategy declares no searchable parameter")
        sampler = optuna.samplers.NSGAIISampler(
            population_size=population, crossover_prob=crossover_prob, seed=seed
        )
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.study = optuna.create_study(
            study_name=study_name,
            storage=storage,
            sampler=sampler,
            directions=["maximize", "minimize"],
            load_if_exists=True,
        )

    def completed(self) -> int:
        """Trials completed in the study so far (by every worker)."""
        states = (optuna.trial.TrialState.COMPLETE,)
        return len(self.study.get_trials(deepcopy=False, states=states))

    def run(self, generations: int, progress: Progress | None = None) -> OptimizationResult:
        """Run until the study holds ``generations`` complete generations; resumable."""
        target = generations * self._population
        evaluated = 0
        eval_s = 0.0
        t0 = time.perf_counter()
        runs = 0
        while self.completed() < target:
            trials = [self.study.ask(self._dists) for _ in range(self._population)]
            genes = [dict(t.params) for t in trials]
            params = [self._space.to_params(g) for g in genes]
            e0 = time.perf_counter()
            try:
                fit = self._evaluate(params)
            except Exception:
                for t in trials:  # never leave a generation RUNNING forever
                    self.study.tell(t, state=optuna.trial.TrialState.FAIL)
                raise
            eval_s += time.perf_counter() - e0
            for i, t in enumerate(trials):
                self.study.tell(t, list(fit.values(i)))
            evaluated += len(trials)
            runs += 1
            if progress is not None:
                progress(min(self.completed(), target), target)
        total = time.perf_counter() - t0
        return OptimizationResult(
            self.study.study_name,
            self.completed(),
            runs,
            self.pareto(),
            evaluated / total if total > 0 and evaluated else 0.0,
            (total - eval_s) / total if total > 0 and evaluated else 0.0,
        )

    def pareto(self) -> list[ParetoPoint]:
        """The study's current Pareto front, best Sharpe first."""
        pts = [
            ParetoPoint(
                t.number,
                self._space.to_params(t.params),
                dict(t.params),
                float(t.values[0]),
                float(t.values[1]),
            )
            for t in self.study.best_trials
        ]
        return sorted(pts, key=lambda p: (-p.sharpe, p.max_drawdown))
