"""The champion models of the running system and their predictions, once per X-ray cycle.

``ChampionSet`` knows the current champion of every model role and reloads an artefact
only when the registry promotes a new version. ``CyclePredictor`` computes the feature
set of a frame once (the same ``feature_block`` training used, so no train/serve skew) and
predicts every symbol with every champion in one batch per model; the batch is kept for
the frame's digest, so the X-ray's detectors, the entry filter, the blacklist scorer and
the risk hooks of one cycle share it. Without any champion nothing is computed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from simbiot.analysis.features import FeatureSet
from simbiot.analysis.indicators import frame_digest
from simbiot.domain.errors import DataError, NotFound, StorageError
from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import DatasetSpec, feature_block, per_bar_volatility
from simbiot.learning.inference import Predictions, Predictor, feature_rows
from simbiot.learning.registry import ModelRegistry
from simbiot.learning.training import LoadedModel

__all__ = ["Champion", "ChampionSet", "CycleBatch", "CyclePredictor"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Champion:
    """A loaded champion: registry name, version, the booster and its validation metrics."""

    name: str
    version: int
    model: LoadedModel
    metrics: Mapping[str, Any] = field(default_factory=dict)

    def base_rate(self, default: float = 0.5) -> float:
        """Share of winning rows the classifier was validated on (``default`` if unknown)."""
        value = self.metrics.get("oos", {}).get("base_rate")
        if isinstance(value, int | float) and 0.05 <= value <= 0.95:
            return float(value)
        return default


class ChampionSet:
    """The current champion of each named model, refreshed from the registry."""

    def __init__(self, registry: ModelRegistry, names: Sequence[str]) -> None:
        self._registry = registry
        self._names = tuple(names)
        self._current: dict[str, Champion] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """The model names watched."""
        return self._names

    async def refresh(self) -> dict[str, int]:
        """Load newly promoted champions, drop demoted ones; return name → version.

        A registry that cannot be read keeps the models already loaded (the pipeline goes
        on with what it has) and is logged.
        """
        current = dict(self._current)
        for name in self._names:
            try:
                info = await self._registry.get(name)
                held = current.get(name)
                if held is None or held.version != info.version:
                    info, model = await self._registry.load(name, info.version)
                    current[name] = Champion(name, info.version, model, info.metrics)
                    log.info("model %s v%d is the champion in the pipeline", name, info.version)
            except NotFound:
                current.pop(name, None)
            except StorageError as exc:
                log.warning("model %s not refreshed: %s", name, exc)
        self._current = current  # one assignment: readers in worker threads see old or new
        return {name: c.version for name, c in current.items()}

    def get(self, name: str) -> Champion | None:
        """The champion of ``name``, None without one."""
        return self._current.get(name)

    def loaded(self) -> Mapping[str, Champion]:
        """Every loaded champion by name."""
        return dict(self._current)


@dataclass(frozen=True, slots=True)
class CycleBatch:
    """Features and predictions of one frame at its newest candle."""

    digest: str
    symbols: tuple[str, ...]
    features: FeatureSet
    predictions: Mapping[str, Predictions]
    models: Mapping[str, Champion]
    realised_vol: FloatArray  # trailing per-bar volatility at the newest candle, (symbols,)

    def get(self, name: str) -> Predictions | None:
        """The predictions of model ``name``, None when it has no champion."""
        return self.predictions.get(name)

    def rows(self, name: str) -> FloatArray | None:
        """The feature rows model ``name`` read, (symbols, its features)."""
        champion = self.models.get(name)
        if champion is None:
            return None
        return feature_rows(self.features, champion.model.names)


class CyclePredictor:
    """Predicts every symbol of a frame with every champion, once per distinct frame."""

    def __init__(self, champions: ChampionSet, spec: DatasetSpec) -> None:
        self._champions = champions
        self._spec = spec
        self._lock = threading.Lock()  # detectors call from the X-ray's worker thread
        self._last: tuple[str, tuple[tuple[str, int], ...], CycleBatch] | None = None

    @property
    def champions(self) -> ChampionSet:
        """The champions predicted with."""
        return self._champions

    def batch(self, frame: MarketFrame) -> CycleBatch | None:
        """The batch of ``frame`` (computed on first request); None without any champion."""
        models = self._champions.loaded()
        if not models or frame.shape[0] == 0 or frame.shape[1] == 0:
            return None
        versions = tuple(sorted((n, c.version) for n, c in models.items()))
        digest = frame_digest(frame)
        with self._lock:
            last = self._last
            if last is not None and last[0] == digest and last[1] == versions:
                return last[2]
            batch = self._compute(frame, digest, models)
            self._last = (digest, versions, batch)
            return batch

    def _compute(
        self, frame: MarketFrame, digest: str, models: Mapping[str, Champion]
    ) -> CycleBatch:
        feats = feature_block(frame, self._spec)
        out: dict[str, Predictions] = {}
        for name, champion in models.items():
            predictor = Predictor(name, champion.version, champion.model, self._spec)
            try:
                out[name] = predictor.predict_features(feats, frame, -1, digest)
            except (DataError, ValueError) as exc:  # e.g. a model trained on other features
                log.warning("model %s v%d cannot predict: %s", name, champion.version, exc)
        vol = per_bar_volatility(np.ascontiguousarray(frame.close), self._spec.vol_window)
        return CycleBatch(digest, frame.symbols, feats, out, dict(models), vol[:, -1].copy())
