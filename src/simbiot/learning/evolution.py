"""The self-development loop: evolve strategy parameters, probe them, promote what holds up.

1. The frame's newest ``probation_bars`` are set aside, unseen by the search.
2. NSGA-II searches the older part with walk-forward fitness (out-of-sample windows).
3. The best Pareto point must beat the current parameters on the same windows by
   ``min_sharpe_gain`` Sharpe, else the current parameters stay (``keep``).
4. A candidate that beats them goes on probation: paper-trading results from the
   ``ProbationPort`` when there are any, otherwise a backtest on the unseen window stands in
   (the record says which). It is promoted only if it is at least as good as the current
   parameters there (``promote``), else ``probation_failed``.

Every outcome is written to ``learning_decisions`` with its evidence.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import optuna
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.backtest.robustness import Split, slice_frame, walk_forward_splits
from simbiot.config.sections import BacktestSettings, OptimizeSettings
from simbiot.domain.clock import Clock
from simbiot.domain.frame import MarketFrame
from simbiot.optimize.fitness import WalkForwardFitness
from simbiot.optimize.genetic import GeneticOptimizer, OptimizationResult
from simbiot.optimize.space import SearchSpace
from simbiot.signals.strategy import Strategy
from simbiot.storage.repositories import models as repo

__all__ = ["EvolutionDecision", "EvolutionLoop", "ProbationPort", "ProbationResult"]


@dataclass(frozen=True, slots=True)
class ProbationResult:
    """How a parameter set did on probation; ``source`` says paper trading or backtest."""

    sharpe: float
    max_drawdown: float
    source: str


class ProbationPort(Protocol):
    """Paper-trading results of a strategy's parameter set, None until there are any."""

    async def results(self, strategy: str, params: Mapping[str, Any]) -> ProbationResult | None:
        """Return the probation record of ``params``, or None when none exists yet."""
        ...


@dataclass(frozen=True, slots=True)
class EvolutionDecision:
    """What one evolution round decided and why."""

    action: str  # keep | promote | probation_failed
    reason: str
    params: dict[str, Any]
    evidence: dict[str, Any]


class EvolutionLoop:
    """Evolves one strategy's parameters against its current ones."""

    def __init__(
        self,
        strategy: Strategy,
        storage: optuna.storages.BaseStorage,
        sessions: async_sessionmaker[AsyncSession],
        settings: OptimizeSettings,
        backtest: BacktestSettings,
        clock: Clock,
        probation: ProbationPort | None = None,
    ) -> None:
        self._strategy = strategy
        self._storage = storage
        self._sessions = sessions
        self._s = settings
        self._bt = backtest
        self._clock = clock
        self._probation = probation

    def _search_splits(self, n_bars: int) -> list[Split]:
        splits = walk_forward_splits(n_bars, train=self._s.train_bars, test=self._s.test_bars)
        if not splits:
            raise ValueError(
                f"{n_bars} bars cannot hold a walk-forward of {self._s.train_bars}"
                f" + {self._s.test_bars} bars"
            )
        return splits[-self._s.folds :]

    async def run(
        self, frame: MarketFrame, current: Mapping[str, Any], study_name: str
    ) -> EvolutionDecision:
        """Run one round on ``frame`` against the ``current`` parameters; record the decision."""
        n = frame.shape[1]
        unseen = min(self._s.probation_bars, n // 4)
        search = slice_frame(frame, slice(0, n - unseen))
        splits = self._search_splits(search.shape[1])
        fitness = WalkForwardFitness(
            self._strategy, search, splits, self._bt, min_trades=self._s.min_trades
        )
        space = SearchSpace(
            self._strategy.parameters(),
            self._s.threshold_multiplier_low,
            self._s.threshold_multiplier_high,
        )
        optimizer = GeneticOptimizer(
            study_name,
            self._storage,
            space,
            fitness.evaluate,
            population=self._s.population,
            crossover_prob=self._s.crossover_prob,
            seed=self._s.seed,
        )
        result = await asyncio.to_thread(optimizer.run, self._s.generations)
        decision = await self._judge(frame, fitness, dict(current), result, unseen)
        async with self._sessions() as session, session.begin():
            await repo.record_decision(
                session,
                subject=f"strategy:{self._strategy.name}",
                action=decision.action,
                reason=decision.reason,
                evidence=decision.evidence,
                ts=self._clock.now(),
            )
        return decision

    async def _judge(
        self,
        frame: MarketFrame,
        fitness: WalkForwardFitness,
        current: dict[str, Any],
        result: OptimizationResult,
        unseen: int,
    ) -> EvolutionDecision:
        best = result.best()
        base = fitness.evaluate([current])
        evidence: dict[str, Any] = {
            "study": result.study,
            "trials": result.trials,
            "current": {"params": current, "oos_sharpe": float(base.sharpe[0]),
                        "oos_max_drawdown": float(base.max_drawdown[0])},
        }  # fmt: skip
        if best is None:
            return EvolutionDecision("keep", "the study has no result yet", current, evidence)
        evidence["candidate"] = {
            "params": best.params,
            "oos_sharpe": best.sharpe,
            "oos_max_drawdown": best.max_drawdown,
        }
        gain = best.sharpe - float(base.sharpe[0])
        if gain < self._s.min_sharpe_gain:
            return EvolutionDecision(
                "keep",
                f"best candidate gains {gain:.3f} Sharpe out of sample,"
                f" {self._s.min_sharpe_gain} needed",
                current,
                evidence,
            )
        cand_p, cur_p = await self._probe(frame, best.params, current, unseen)
        evidence["probation"] = {
            "source": cand_p.source,
            "candidate": {"sharpe": cand_p.sharpe, "max_drawdown": cand_p.max_drawdown},
            "current": {"sharpe": cur_p.sharpe, "max_drawdown": cur_p.max_drawdown},
        }
        if cand_p.sharpe >= cur_p.sharpe:
            return EvolutionDecision(
                "promote",
                f"candidate beat the current parameters out of sample (+{gain:.3f} Sharpe)"
                f" and held up on probation ({cand_p.source})",
                dict(best.params),
                evidence,
            )
        return EvolutionDecision(
            "probation_failed",
            f"candidate lost on probation ({cand_p.source}): Sharpe {cand_p.sharpe:.3f}"
            f" < {cur_p.sharpe:.3f}",
            current,
            evidence,
        )

    async def _probe(
        self, frame: MarketFrame, cand: Mapping[str, Any], cur: Mapping[str, Any], unseen: int
    ) -> tuple[ProbationResult, ProbationResult]:
        if self._probation is not None:
            a = await self._probation.results(self._strategy.name, cand)
            b = await self._probation.results(self._strategy.name, cur)
            if a is not None and b is not None:
                return a, b
        n = frame.shape[1]
        window = [Split(0, 0, n - unseen, n - unseen, n)]
        fit = WalkForwardFitness(self._strategy, frame, window, self._bt, min_trades=0.0)
        out = await asyncio.to_thread(fit.evaluate, [cand, cur])
        source = f"backtest on the newest {unseen} unseen bars (no paper results yet)"
        return (
            ProbationResult(float(out.sharpe[0]), float(out.max_drawdown[0]), source),
            ProbationResult(float(out.sharpe[1]), float(out.max_drawdown[1]), source),
        )
