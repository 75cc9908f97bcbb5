"""The ML signal filter (S1) in the running cycle: the champion model vets every entry.

With no champion registered the filter is a no-op, so a fresh installation trades on the
strategies alone; once ``simbiot train --promote`` (or the retraining manager) promotes a
model, entries whose predicted probability of success is below
``learning.filter_threshold`` are dropped. Exits are never filtered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from simbiot.domain.errors import NotFound, StorageError
from simbiot.domain.frame import MarketFrame
from simbiot.learning.builders import dataset_spec
from simbiot.learning.decisions import filter_entries
from simbiot.learning.inference import Predictor
from simbiot.learning.registry import ModelRegistry
from simbiot.services.container import Container
from simbiot.signals import Signal

__all__ = ["DEFAULT_MODEL", "ChampionFilter"]

log = logging.getLogger(__name__)

# The registry name of the entry model ``simbiot train`` builds by default.
DEFAULT_MODEL = "trend"


class ChampionFilter:
    """Drop entry signals the champion model does not believe in."""

    def __init__(self, container: Container, model: str = DEFAULT_MODEL) -> None:
        ls = container.settings.learning
        self._registry = ModelRegistry(
            container.settings.path(ls.models_dir), container.database.sessions
        )
        self._cache = container.cache
        self._spec = dataset_spec(ls)
        self._threshold = ls.filter_threshold
        self._model = model
        self._predictor: Predictor | None = None

    async def _current(self) -> Predictor | None:
        try:
            info = await self._registry.get(self._model)
        except NotFound:
            return None
        if self._predictor is None or self._predictor.version != info.version:
            info, loaded = await self._registry.load(self._model, info.version)
            self._predictor = Predictor(
                self._model, info.version, loaded, self._spec, cache=self._cache
            )
            log.info("ML filter: %s v%d is the champion", self._model, info.version)
        return self._predictor

    async def apply(
        self, frame: MarketFrame, signals: Sequence[Signal]
    ) -> tuple[list[Signal], int]:
        """Return the signals to trade and how many entries the model dropped."""
        try:
            predictor = await self._current()
        except StorageError:
            log.warning("ML filter unavailable; trading unfiltered", exc_info=True)
            return list(signals), 0
        if predictor is None:
            return list(signals), 0
        batch = await predictor.predict(frame)
        prob = dict(zip(batch.symbols, batch.values.tolist(), strict=True))
        entries = [s for s in signals if s.side.is_entry]
        if not entries:
            return list(signals), 0
        p = np.array([prob.get(s.symbol, float("nan")) for s in entries], dtype=np.float64)
        keep = filter_entries(np.ones(len(entries), dtype=bool), p, self._threshold)
        dropped = {id(s) for s, k in zip(entries, keep, strict=True) if not k}
        return [s for s in signals if id(s) not in dropped], len(dropped)
