"""Champion models in one trading cycle: one refresh, one prediction batch, four uses.

Called by the trading stack after the signals and the market context of a cycle are ready:
refresh the champions, take the X-ray frame's prediction batch (shared with the X-ray's
detectors), block symbols the model expects to lose on (S4), vet entries (S1) and put the
size (R1) and stop (R3) multipliers into the context. With ``learning.models_in_pipeline``
off only the entry filter stays (it predates the other uses). A model failure never stops trading:
it is logged and the cycle goes on with the rule-based decisions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from simbiot.analysis.xray.engine import XRayResult
from simbiot.domain.errors import SimbiotError
from simbiot.execution.accounts import MarketContext
from simbiot.services.container import Container
from simbiot.services.ml_blacklist import ModelBlacklist
from simbiot.services.ml_filter import ChampionFilter
from simbiot.services.ml_models import CycleBatch
from simbiot.services.ml_risk import with_model_risk
from simbiot.signals import Signal

__all__ = ["ModelTrading"]

log = logging.getLogger(__name__)


class ModelTrading:
    """The models' part of a trading cycle."""

    def __init__(self, container: Container) -> None:
        self._predictor = container.ml_predictor
        self._settings = container.settings.learning
        self._filter = ChampionFilter(container)
        self._blacklist = ModelBlacklist(container)

    async def batch(self, xray: XRayResult) -> CycleBatch | None:
        """Refresh the champions and return the batch of the X-ray's frame (None: no model)."""
        await self._predictor.champions.refresh()
        return await asyncio.to_thread(self._predictor.batch, xray.frame)

    async def apply(
        self, xray: XRayResult, signals: Sequence[Signal], ctx: MarketContext
    ) -> tuple[list[Signal], MarketContext, int]:
        """Return the signals to trade, the context with model multipliers, entries dropped."""
        try:
            batch = await self.batch(xray)
        except (SimbiotError, ValueError):
            log.warning("models unavailable this cycle; trading on the rules", exc_info=True)
            return list(signals), ctx, 0
        if batch is None:
            return list(signals), ctx, 0
        if self._settings.models_in_pipeline:
            try:
                await self._blacklist.update(batch)
            except SimbiotError:
                log.warning("model blacklist not updated", exc_info=True)
            ctx = with_model_risk(ctx, batch, self._settings)
        kept, dropped = await self._filter.vet(batch, signals)
        return kept, ctx, dropped
