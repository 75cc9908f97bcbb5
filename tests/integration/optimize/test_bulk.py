"""A generation written in one transaction reads back exactly as optuna wrote it."""

from __future__ import annotations

import importlib
from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.study import StudyDirection

from simbiot.optimize import bulk
from simbiot.optimize.bulk import write_trials
from simbiot.optimize.storage import open_storage, sync_url

DIRS = [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]
DISTS = {
    "x": FloatDistribution(-1, 1),
    "n": IntDistribution(1, 9),
    "c": CategoricalDistribution(["a", "b"]),
}


def _generation(k: int) -> list[optuna.trial.FrozenTrial]:
    work = optuna.create_study(directions=DIRS, sampler=optuna.samplers.RandomSampler(seed=k))
    for i in range(k):
        t = work.ask(DISTS)
        t.set_user_attr("u", i)
        work.tell(t, [float(i), float("inf") if i == 0 else -float(i)])
    return work.get_trials(deepcopy=False)


def _check(study: optuna.Study, expected: list[optuna.trial.FrozenTrial]) -> None:
    got = study.get_trials()
    assert [t.number for t in got] == list(range(len(expected)))
    for a, b in zip(got, expected, strict=True):
        assert a.params == b.params
        assert a.values == b.values
        assert a.user_attrs == b.user_attrs
        assert a.state == b.state
        assert a.distributions == b.distributions


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_round_trip(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if backend == "sqlite":
        url = sync_url(None, tmp_path)
    else:
        url = sync_url(request.getfixturevalue("postgres_url"), tmp_path)
    storage = open_storage(url)
    study = optuna.create_study(study_name="b", storage=storage, directions=DIRS)
    first, second = _generation(5), _generation(3)
    write_trials(study, storage, first)
    write_trials(study, storage, second)
    write_trials(study, storage, [])
    _check(study, first + second)
    # A fresh handle (another process after a restart) sees the same trials.
    _check(optuna.load_study(study_name="b", storage=open_storage(url)), first + second)


def test_other_storages_fall_back_to_add_trials() -> None:
    study = optuna.create_study(directions=DIRS)
    gen = _generation(4)
    write_trials(study, optuna.storages.InMemoryStorage(), gen)
    _check(study, gen)


def test_installed_optuna_supports_the_fast_path() -> None:
    assert bulk.bulk_support() is not None


def test_fast_and_public_writes_store_the_same_trials(tmp_path: Path) -> None:
    storage = open_storage(sync_url(None, tmp_path))
    fast = optuna.create_study(study_name="fast", storage=storage, directions=DIRS)
    public = optuna.create_study(study_name="public", storage=storage, directions=DIRS)
    gens = [_generation(4), _generation(6)]
    for gen in gens:
        write_trials(fast, storage, gen)
        bulk.write_trials_public(public, gen)
    for a, b in zip(fast.get_trials(), public.get_trials(), strict=True):
        assert (a.number, a.state, a.params, a.values) == (b.number, b.state, b.params, b.values)
        assert (a.user_attrs, a.system_attrs, a.distributions) == (
            b.user_attrs, b.system_attrs, b.distributions,
        )  # fmt: skip


def test_changed_internals_fall_back_to_the_public_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = open_storage(sync_url(None, tmp_path))
    study = optuna.create_study(study_name="c", storage=storage, directions=DIRS)
    first, second = _generation(3), _generation(2)
    monkeypatch.setattr(bulk, "bulk_support", lambda: None)
    write_trials(study, storage, first)
    monkeypatch.undo()

    def drifted(*args: object) -> None:
        raise AttributeError("TrialModel has no attribute count_past_trials")

    monkeypatch.setattr(bulk, "_write_rdb", drifted)
    write_trials(study, storage, second)
    _check(study, first + second)  # every trial once, numbered in order


def test_missing_internals_are_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    models = importlib.import_module("optuna.storages._rdb.models")
    monkeypatch.delattr(models.TrialModel, "count_past_trials")
    assert bulk.bulk_support() is None
