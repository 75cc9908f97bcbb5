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
from optuna.study import StudyDirection

from simbiot.optimize.bulk import write_trials
from simbiot.optimize.fitness import Fitness
from simbiot.optimize.space import SearchSpace

__all__ = ["GeneticOptimizer", "OptimizationResult", "ParetoPoint"]

_DIRECTIONS = [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]
_FINISHED = (
    optuna.trial.TrialState.COMPLETE,
    optuna.trial.TrialState.FAIL,
    optuna.trial.TrialState.PRUNED,
)

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
        self._storage = storage
        self._crossover = crossover_prob
        self._seed = seed
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.study = optuna.create_study(
            study_name=study_name,
            storage=storage,
            sampler=self._sampler(0),
            directions=_DIRECTIONS,
            load_if_exists=True,
        )

    def _sampler(self, done: int) -> optuna.samplers.NSGAIISampler:
        # A fresh sampler per generation: offset the seed so generations draw new numbers.
        seed = None if self._seed is None else self._seed + done
        return optuna.samplers.NSGAIISampler(
            population_size=self._population, crossover_prob=self._crossover, seed=seed
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
        while (done := self.completed()) < target:
            e_s = self._generation(done)
            eval_s += e_s
            evaluated += self._population
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

    def _generation(self, done: int) -> float:
        """Breed, score and store one generation; return the seconds spent scoring.

        The sampler works on an in-memory copy of the finished trials (one read), and the
        scored generation is written back in one pass: a database round trip per trial
        operation made storage, not backtests, the cost of a generation.
        """
        finished = self.study.get_trials(deepcopy=False, states=_FINISHED)
        work = optuna.create_study(directions=_DIRECTIONS, sampler=self._sampler(done))
        work.add_trials(finished)
        trials = [work.ask(self._dists) for _ in range(self._population)]
        params = [self._space.to_params(t.params) for t in trials]
        e0 = time.perf_counter()
        try:
            fit = self._evaluate(params)
        except Exception:
            for t in trials:  # keep the failure on record, then let the caller see it
                work.tell(t, state=optuna.trial.TrialState.FAIL)
            write_trials(
                self.study, self._storage, work.get_trials(deepcopy=False)[len(finished) :]
            )
            raise
        spent = time.perf_counter() - e0
        for i, t in enumerate(trials):
            work.tell(t, list(fit.values(i)))
        write_trials(self.study, self._storage, work.get_trials(deepcopy=False)[len(finished) :])
        return spent

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
