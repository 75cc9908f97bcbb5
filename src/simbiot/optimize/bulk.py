"""Write a scored generation into an RDB study in one transaction.

optuna's ``add_trials`` stores one trial per transaction and, inside it, one query per
parameter, value and attribute (≈ 40 ms a trial on SQLite): the GA's whole budget. Here the
rows of every trial go in together through optuna's own table models, and each trial gets
its number the way optuna numbers them (trials of the study with a smaller id), under the
same study-row lock optuna takes, so concurrent workers stay consistent. Storages other than
RDBStorage fall back to ``add_trials``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import optuna
from optuna.distributions import distribution_to_json
from optuna.storages._rdb import models
from optuna.storages._rdb.storage import _create_scoped_session
from optuna.trial import FrozenTrial

__all__ = ["write_trials"]


def _row(study_id: int, t: FrozenTrial) -> models.TrialModel:
    row = models.TrialModel(study_id=study_id, number=None, state=t.state)
    row.datetime_start = t.datetime_start
    row.datetime_complete = t.datetime_complete
    for k, v in enumerate(t.values or []):
        value, kind = models.TrialValueModel.value_to_stored_repr(v)
        models.TrialValueModel(trial=row, objective=k, value=value, value_type=kind)
    for name, value in t.params.items():
        dist = t.distributions[name]
        models.TrialParamModel(
            trial=row,
            param_name=name,
            param_value=dist.to_internal_repr(value),
            distribution_json=distribution_to_json(dist),
        )
    for key, value in t.system_attrs.items():
        models.TrialSystemAttributeModel(trial=row, key=key, value_json=json.dumps(value))
    for key, value in t.user_attrs.items():
        models.TrialUserAttributeModel(trial=row, key=key, value_json=json.dumps(value))
    return row


def write_trials(
    study: optuna.Study, storage: optuna.storages.BaseStorage, trials: Sequence[FrozenTrial]
) -> None:
    """Append finished ``trials`` to ``study`` (whose storage is ``storage``)."""
    if not trials:
        return
    if not isinstance(storage, optuna.storages.RDBStorage):
        study.add_trials(trials)
        return
    study_id = storage.get_study_id_from_name(study.study_name)
    with _create_scoped_session(storage.scoped_session) as session:
        models.StudyModel.find_or_raise_by_id(study_id, session, for_update=True)
        rows = [_row(study_id, t) for t in trials]
        session.add_all(rows)
        session.flush()
        for row in rows:
            row.number = row.count_past_trials(session)
