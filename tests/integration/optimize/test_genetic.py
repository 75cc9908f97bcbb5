"""NSGA-II studies in real databases: resume after a restart, two workers on one study."""

from __future__ import annotations

import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from simbiot.optimize.fitness import Fitness
from simbiot.optimize.genetic import GeneticOptimizer
from simbiot.optimize.space import SearchSpace
from simbiot.optimize.storage import open_storage, sync_url
from simbiot.signals.params import ParamSpec

SPACE = SearchSpace({"x": ParamSpec(0.0, "float", -5.0, 5.0), "n": ParamSpec(3, "int", 1, 10)})


def _fitness(pop: list[dict[str, object]]) -> Fitness:
    """Two conflicting objectives with a known front: maximise -(x-1)^2, minimise |x|/10."""
    x = np.array([float(p["x"]) for p in pop])  # type: ignore[arg-type]
    return Fitness(-((x - 1.0) ** 2), np.abs(x) / 10.0, np.ones(len(pop)))


def _optimizer(url: str, name: str = "study-a") -> GeneticOptimizer:
    return GeneticOptimizer(name, open_storage(url), SPACE, _fitness, population=8, seed=1)


def test_sync_url_maps_async_drivers(tmp_path: Path) -> None:
    assert sync_url(None, tmp_path) == f"sqlite:///{tmp_path / 'optuna.db'}"
    assert sync_url("sqlite+aiosqlite:////x/y.db", tmp_path) == "sqlite:////x/y.db"
    assert sync_url("postgresql+asyncpg://u:p@h/db", tmp_path) == "postgresql+psycopg://u:p@h/db"


def test_study_resumes_after_restart(tmp_path: Path) -> None:
    url = sync_url(None, tmp_path)
    first = _optimizer(url).run(generations=2)
    assert first.trials == 16
    assert first.generations_run == 2
    # A "restart": a new process object on the same storage continues, not starts over.
    seen: list[tuple[int, int]] = []
    second = _optimizer(url).run(generations=4, progress=lambda d, t: seen.append((d, t)))
    assert second.generations_run == 2
    assert second.trials == 32
    assert seen[-1] == (32, 32)
    again = _optimizer(url).run(generations=4)
    assert again.generations_run == 0
    best = second.best()
    assert best is not None
    assert -1.0 <= best.params["x"] <= 5.0
    # Every front point is non-dominated: Sharpe never rises while drawdown falls.
    front = second.pareto
    assert all(a.max_drawdown >= b.max_drawdown for a, b in pairwise(front))
    assert second.to_json()["pareto"][0]["trial"] == front[0].trial


_WORKER = """
import sys
import numpy as np
from simbiot.optimize.fitness import Fitness
from simbiot.optimize.genetic import GeneticOptimizer
from simbiot.optimize.space import SearchSpace
from simbiot.optimize.storage import open_storage
from simbiot.signals.params import ParamSpec

space = SearchSpace({"x": ParamSpec(0.0, "float", -5.0, 5.0), "n": ParamSpec(3, "int", 1, 10)})

def fit(pop):
    x = np.array([float(p["x"]) for p in pop])
    return Fitness(-((x - 1.0) ** 2), np.abs(x) / 10.0, np.ones(len(pop)))

GeneticOptimizer("study-a", open_storage(sys.argv[1]), space, fit, population=8, seed=None).run(3)
"""


def test_two_worker_processes_share_one_study(tmp_path: Path) -> None:
    url = sync_url(None, tmp_path)
    _optimizer(url)  # create the study once, as the first worker would
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    procs = [
        subprocess.Popen([sys.executable, str(script), url], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err.decode()
    study = _optimizer(url).study
    # Both wrote into the one study: at least the 3 generations, at most one extra each.
    assert 24 <= len(study.trials) <= 40
    assert _optimizer(url).completed() == len(study.trials)


def test_failing_fitness_marks_generation_failed(tmp_path: Path) -> None:
    def boom(pop: list[dict[str, object]]) -> Fitness:
        raise RuntimeError("backtest failed")

    opt = GeneticOptimizer("s", open_storage(sync_url(None, tmp_path)), SPACE, boom, population=4)
    with pytest.raises(RuntimeError):
        opt.run(1)
    states = {t.state.name for t in opt.study.trials}
    assert states == {"FAIL"}


def test_rejects_bad_setup(tmp_path: Path) -> None:
    storage = open_storage(sync_url(None, tmp_path))
    with pytest.raises(ValueError):
        GeneticOptimizer("s", storage, SPACE, _fitness, population=1)
    with pytest.raises(ValueError):
        GeneticOptimizer("s", storage, SearchSpace({}), _fitness, population=4)


async def test_study_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    url = sync_url(postgres_url, tmp_path)
    result = _optimizer(url, "pg-study").run(generations=1)
    assert result.trials == 8
    assert _optimizer(url, "pg-study").run(generations=2).trials == 16
