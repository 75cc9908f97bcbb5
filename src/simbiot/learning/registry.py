"""Versioned model artefacts: LightGBM text files under a directory, indexed in the database.

Each version records its metrics, feature list, data hash and training window. One version
per model name is the ``champion`` (what inference loads); ``promote`` makes another one
champion (the old one is ``retired``), ``rollback`` restores the most recently retired
champion and marks the failed one ``rejected``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.domain.errors import NotFound, StorageError
from simbiot.learning.training import LoadedModel, ModelKind, TrainedModel
from simbiot.storage.repositories import models as repo
from simbiot.storage.tables.models import ModelVersionRow

__all__ = ["ModelRegistry", "ModelVersion", "metric_of"]


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """What the registry knows of one version (no artefact loaded)."""

    name: str
    version: int
    kind: ModelKind
    status: str
    path: str
    data_hash: str
    train_start: int
    train_stop: int
    features: tuple[str, ...]
    metrics: dict[str, Any]
    created_at: datetime
    promoted_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the CLI and the API."""
        return {
            "name": self.name,
            "version": self.version,
            "kind": self.kind,
            "status": self.status,
            "data_hash": self.data_hash,
            "train_start": self.train_start,
            "train_stop": self.train_stop,
            "features": list(self.features),
            "metrics": self.metrics,
            "created_at": self.created_at.isoformat(),
            "promoted_at": self.promoted_at.isoformat() if self.promoted_at else None,
        }


def metric_of(metrics: dict[str, Any], key: str) -> float | None:
    """Return out-of-sample metric ``key`` (e.g. ``auc``) or None when missing."""
    value = metrics.get("oos", {}).get(key)
    return float(value) if isinstance(value, int | float) else None


def _version(row: ModelVersionRow) -> ModelVersion:
    kind: ModelKind = "regressor" if row.kind == "regressor" else "classifier"
    return ModelVersion(
        row.name,
        row.version,
        kind,
        row.status,
        row.path,
        row.data_hash,
        row.train_start,
        row.train_stop,
        tuple(row.features.get("names", [])),
        dict(row.metrics),
        row.created_at,
        row.promoted_at,
    )


class ModelRegistry:
    """Stores, lists, loads, promotes and rolls back model versions."""

    def __init__(self, root: Path, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._root = root
        self._sessions = sessions

    async def register(
        self, name: str, trained: TrainedModel, *, data_hash: str, status: str = "candidate"
    ) -> ModelVersion:
        """Write the artefact and its row; return the new version (a candidate by default)."""
        async with self._sessions() as session, session.begin():
            version = await repo.next_version(session, name=name)
            rel = f"{name}/v{version:04d}.lgb.txt"
            await asyncio.to_thread(self._write, rel, trained.booster)
            row = ModelVersionRow(
                name=name,
                version=version,
                kind=trained.kind,
                status=status,
                path=rel,
                data_hash=data_hash,
                train_start=trained.train_start,
                train_stop=trained.train_stop,
                features={"names": list(trained.names)},
                metrics=json.loads(json.dumps(trained.metrics)),
                promoted_at=None,
            )
            await repo.add_version(session, row=row)
            return _version(row)

    def _write(self, rel: str, text: str) -> None:
        path = self._root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)

    async def get(self, name: str, version: int | None = None) -> ModelVersion:
        """Return ``version`` of ``name`` (the champion when None); raise ``NotFound``."""
        async with self._sessions() as session:
            if version is None:
                row = await repo.champion(session, name=name)
                if row is None:
                    raise NotFound(f"model {name} has no champion")
            else:
                row = await repo.get_version(session, name=name, version=version)
            return _version(row)

    async def list(self, name: str | None = None) -> list[ModelVersion]:
        """Return every version (of ``name``), newest first per model."""
        async with self._sessions() as session:
            return [_version(r) for r in await repo.list_versions(session, name=name)]

    async def load(self, name: str, version: int | None = None) -> tuple[ModelVersion, LoadedModel]:
        """Load the artefact of ``version`` (champion when None) ready to predict."""
        info = await self.get(name, version)
        path = self._root / info.path
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8")
            return info, LoadedModel(info.kind, info.features, text)
        except OSError as exc:
            raise StorageError(f"artefact of {name} v{info.version} unreadable: {exc}") from exc

    async def compare(self, name: str, a: int, b: int, metric: str = "auc") -> dict[str, Any]:
        """Return both versions' out-of-sample ``metric`` and the difference b - a."""
        va, vb = await self.get(name, a), await self.get(name, b)
        ma, mb = metric_of(va.metrics, metric), metric_of(vb.metrics, metric)
        delta = mb - ma if ma is not None and mb is not None else None
        return {"metric": metric, str(a): ma, str(b): mb, "delta": delta}

    async def promote(self, name: str, version: int, *, at: datetime | None = None) -> ModelVersion:
        """Make ``version`` the champion (promoted ``at``, default now); retire the previous."""
        async with self._sessions() as session, session.begin():
            await repo.set_champion(
                session, name=name, version=version, previous_status="retired", at=at
            )
        return await self.get(name, version)

    async def reject(self, name: str, version: int) -> None:
        """Mark a candidate that lost its comparison as rejected."""
        async with self._sessions() as session, session.begin():
            await repo.set_status(session, name=name, version=version, status="rejected")

    async def rollback(self, name: str, *, at: datetime | None = None) -> ModelVersion:
        """Restore the most recently retired champion; the current one becomes rejected.

        Raise ``NotFound`` when there is no earlier champion to return to.
        """
        async with self._sessions() as session, session.begin():
            rows = await repo.list_versions(session, name=name)
            earlier = [r for r in rows if r.status == "retired" and r.promoted_at is not None]
            if not earlier:
                raise NotFound(f"model {name} has no earlier champion to roll back to")
            back = max(earlier, key=lambda r: (r.promoted_at, r.version))
            await repo.set_champion(
                session, name=name, version=back.version, previous_status="rejected", at=at
            )
        return await self.get(name, back.version)
