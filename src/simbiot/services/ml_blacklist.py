"""The learned blacklist scorer (S4) in the running cycle.

The ``trend`` champion's probability that a symbol's next move hits its upper barrier
first becomes a loss probability (1 - p); symbols at or above
``signals.scorer_threshold`` are blocked for everybody for ``signals.model_blacklist_s``
through the shared blacklist, so every signal service replica skips them from the next
cycle on. Without a champion no symbol is judged by a model.
"""

from __future__ import annotations

from simbiot.cache.store import CacheStore
from simbiot.cache.ttl import TTLPolicy
from simbiot.learning.plugins import ModelBlacklistScorer
from simbiot.services.container import Container
from simbiot.services.ml_models import CycleBatch
from simbiot.signals import Blacklist
from simbiot.signals.blacklist import BlacklistEntry

__all__ = ["ModelBlacklist"]


class ModelBlacklist:
    """Adds the symbols the champion expects to lose on to the global blacklist."""

    def __init__(self, container: Container, model: str = "trend") -> None:
        self._store = CacheStore(container.cache, TTLPolicy(container.settings.cache.ttl))
        self._clock = container.clock
        self._settings = container.settings.signals
        self._model = model

    async def update(self, batch: CycleBatch | None) -> list[BlacklistEntry]:
        """Judge every symbol of the batch; return the entries added."""
        preds = batch.get(self._model) if batch is not None else None
        if preds is None:
            return []
        scorer = ModelBlacklistScorer(preds)
        blacklist = Blacklist(self._store, self._clock, self._settings, scorer=scorer)
        return await blacklist.auto_update(candidates=list(preds.as_dict()))
