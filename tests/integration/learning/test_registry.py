from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.domain.errors import NotFound, StorageError
from simbiot.learning.registry import ModelRegistry
from simbiot.learning.training import LoadedModel, TrainedModel

MakeModel = Callable[..., TrainedModel]


async def test_round_trip_promote_and_rollback(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, make_model: MakeModel
) -> None:
    reg = ModelRegistry(tmp_path / "models", sessions)
    m1, m2 = make_model(seed=1), make_model(seed=2)
    v1 = await reg.register("trend", m1, data_hash="aa")
    v2 = await reg.register("trend", m2, data_hash="bb")
    assert (v1.version, v2.version) == (1, 2)
    assert v1.status == "candidate"
    assert v1.features == ("a", "b", "c")
    with pytest.raises(NotFound):
        await reg.get("trend")
    await reg.promote("trend", 1)
    info, model = await reg.load("trend")
    assert info.version == 1
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(
        model.predict(x), LoadedModel("classifier", m1.names, m1.booster).predict(x)
    )
    await reg.promote("trend", 2)
    statuses = {v.version: v.status for v in await reg.list("trend")}
    assert statuses == {1: "retired", 2: "champion"}
    back = await reg.rollback("trend")
    assert back.version == 1
    statuses = {v.version: v.status for v in await reg.list("trend")}
    assert statuses == {1: "champion", 2: "rejected"}
    with pytest.raises(NotFound):
        await reg.rollback("trend")
    cmp = await reg.compare("trend", 1, 2)
    assert cmp["delta"] == pytest.approx(cmp["2"] - cmp["1"])
    assert v2.to_json()["data_hash"] == "bb"


async def test_missing_artefact_and_unknown_version(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, make_model: MakeModel
) -> None:
    reg = ModelRegistry(tmp_path, sessions)
    v = await reg.register("risk", make_model(), data_hash="cc", status="champion")
    (tmp_path / v.path).unlink()
    with pytest.raises(StorageError):
        await reg.load("risk")
    with pytest.raises(NotFound):
        await reg.get("risk", 9)
