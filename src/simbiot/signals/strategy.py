"""The strategy protocol: declared parameters, indicator needs, vectorised evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from simbiot.signals.catalog import IndicatorRequest
from simbiot.signals.context import StrategyContext
from simbiot.signals.frame import SignalFrame
from simbiot.signals.params import ParamSpec

__all__ = ["Strategy"]


@runtime_checkable
class Strategy(Protocol):
    """A trading strategy evaluated over all symbols and all bars at once.

    ``params`` given to :meth:`required_indicators` and :meth:`evaluate` are complete and
    checked (see ``simbiot.signals.params.resolve_params``).
    """

    @property
    def name(self) -> str:
        """The registry name (``trend_ema_adx``, or the rule file's ``name``)."""
        ...

    @property
    def description(self) -> str:
        """One paragraph on what the strategy does."""
        ...

    def parameters(self) -> Mapping[str, ParamSpec]:
        """Return every tunable parameter with its default and search range."""
        ...

    def required_indicators(self, params: Mapping[str, Any]) -> set[IndicatorRequest]:
        """Return the indicator requests :meth:`evaluate` will make with ``params``."""
        ...

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        """Return entry/exit masks and strength over every symbol and bar of ``ctx``."""
        ...
