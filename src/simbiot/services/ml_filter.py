"""The ML signal filter (S1) in the running cycle: the champion model vets every entry.

With no champion registered the filter is a no-op, so a fresh installation trades on the
strategies alone; once ``simbiot train --promote`` (or the learner) promotes a model,
entries whose predicted probability of success is below the champion's validation base
rate (``learning.filter_relative``, the default) or below ``learning.filter_threshold``
are dropped. Exits are never filtered. Every vetted entry is recorded with its probability and
feature row (``learning.outcomes``), so the trades it leads to become live outcomes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import numpy as np

from simbiot.domain.errors import StorageError
from simbiot.domain.frame import MarketFrame
from simbiot.learning.decisions import filter_entries
from simbiot.learning.outcomes import EntryPrediction, record_entries
from simbiot.services.container import Container
from simbiot.services.ml_models import CycleBatch
from simbiot.signals import Signal

__all__ = ["DEFAULT_MODEL", "ChampionFilter"]

log = logging.getLogger(__name__)

# The registry name of the entry model ``simbiot train`` builds by default.
DEFAULT_MODEL = "trend"


def _row(values: np.ndarray) -> tuple[float | None, ...]:
    return tuple(float(v) if np.isfinite(v) else None for v in values)


class ChampionFilter:
    """Drop entry signals the champion model does not believe in; record what it saw."""

    def __init__(self, container: Container, model: str = DEFAULT_MODEL) -> None:
        self._c = container
        self._predictor = container.ml_predictor
        self._threshold = container.settings.learning.filter_threshold
        self._relative = container.settings.learning.filter_relative
        self._model = model

    async def apply(
        self, frame: MarketFrame, signals: Sequence[Signal]
    ) -> tuple[list[Signal], int]:
        """Refresh the champions, then vet ``signals`` (see :meth:`vet`)."""
        await self._predictor.champions.refresh()
        batch = await asyncio.to_thread(self._predictor.batch, frame)
        return await self.vet(batch, signals)

    async def vet(
        self, batch: CycleBatch | None, signals: Sequence[Signal]
    ) -> tuple[list[Signal], int]:
        """Return the signals to trade and how many entries the model dropped."""
        preds = batch.get(self._model) if batch is not None else None
        entries = [s for s in signals if s.side.is_entry]
        if batch is None or preds is None or not entries:
            return list(signals), 0
        prob = dict(zip(preds.symbols, preds.values.tolist(), strict=True))
        p = np.array([prob.get(s.symbol, float("nan")) for s in entries], dtype=np.float64)
        keep = filter_entries(np.ones(len(entries), dtype=bool), p, self.threshold(batch))
        dropped = {id(s) for s, k in zip(entries, keep, strict=True) if not k}
        await self._record(batch, entries, p, keep)
        return [s for s in signals if id(s) not in dropped], len(dropped)

    def threshold(self, batch: CycleBatch) -> float:
        """The probability an entry needs: the champion's base rate, or the fixed one."""
        champion = batch.models.get(self._model)
        if self._relative and champion is not None:
            return champion.base_rate(default=self._threshold)
        return self._threshold

    async def _record(
        self, batch: CycleBatch, entries: list[Signal], p: np.ndarray, keep: np.ndarray
    ) -> None:
        rows = batch.rows(self._model)
        preds = batch.get(self._model)
        if rows is None or preds is None:
            return
        index = {s: i for i, s in enumerate(batch.symbols)}
        seen: dict[str, EntryPrediction] = {}
        for s, prob, kept in zip(entries, p.tolist(), keep.tolist(), strict=True):
            i = index.get(s.symbol)
            if i is None or not np.isfinite(prob) or s.symbol in seen:
                continue  # one record per symbol and cycle: the prediction is the same
            seen[s.symbol] = EntryPrediction(
                s.symbol, float(prob), _row(rows[i]), preds.timestamp, bool(kept)
            )
        try:
            await record_entries(
                self._c.database.sessions,
                self._model,
                preds.version,
                list(seen.values()),
                self._c.clock.now(),
            )
        except StorageError:
            log.warning("entry predictions not recorded; live quality misses them", exc_info=True)
