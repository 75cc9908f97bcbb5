"""A chosen part of the standard indicator set: only the layers a consumer reads.

The X-ray and the feature set read about two thirds of the standard set; computing and
storing only those layers saves both the time and the memory of the others. Layers that
one kernel computes together (MACD line and signal with the histogram, Bollinger bands,
DMI, stochastic, Donchian channel, Garman-Klass with Rogers-Satchell) are chosen
together; the MACD histogram can come alone, and the close-to-close volatility brings
the log return it is computed from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.analysis.indicators.indicator_set import INDICATOR_NAMES, IndicatorParams

__all__ = ["IndicatorLayers", "layer_names"]

_GROUPS: tuple[tuple[str, ...], ...] = (
    ("macd", "macd_signal"),
    ("bb_upper", "bb_middle", "bb_lower"),
    ("plus_di", "minus_di", "adx"),
    ("stoch_k", "stoch_d"),
    ("donchian_upper", "donchian_lower", "donchian_middle"),
    ("gk_vol", "rs_vol"),
)
# layers another layer is computed with or from (the MACD histogram comes alone too)
_NEEDS: dict[str, tuple[str, ...]] = {
    "cc_vol": ("log_return",),
    "macd": ("macd_hist",),
    "macd_signal": ("macd_hist",),
}


def layer_names(wanted: Iterable[str]) -> tuple[str, ...]:
    """Return the layers computed for ``wanted``, in ``INDICATOR_NAMES`` order.

    Each name brings the layers computed with it (see the module docstring).
    Raise KeyError for a name outside the standard set.
    """
    chosen: set[str] = set()
    for name in wanted:
        if name not in INDICATOR_NAMES:
            raise KeyError(name)
        chosen.add(name)
        chosen.update(_NEEDS.get(name, ()))
        for group in _GROUPS:
            if name in group:
                chosen.update(group)
    return tuple(n for n in INDICATOR_NAMES if n in chosen)


@dataclass(frozen=True, slots=True)
class IndicatorLayers:
    """Some layers of the standard set: ``block`` is (len(names), symbols, time) float64.

    ``names`` lists the layers in block order; ``annualization`` is the bars-per-year
    factor the volatility estimators used.
    """

    params: IndicatorParams
    symbols: tuple[str, ...]
    annualization: float
    names: tuple[str, ...]
    block: FloatArray
    # one view per layer, so every ``get`` of a name returns the same array
    _views: tuple[FloatArray, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.block.ndim != 3 or self.block.shape[:2] != (len(self.names), len(self.symbols)):
            raise ValueError(
                f"block has shape {self.block.shape}, expected "
                f"({len(self.names)}, {len(self.symbols)}, T)"
            )
        if self.block.dtype != np.float64 or not self.block.flags.c_contiguous:
            raise ValueError("block must be C-contiguous float64")
        if layer_names(self.names) != self.names:
            raise ValueError(f"names must be whole groups in standard order, got {self.names}")
        object.__setattr__(self, "_views", tuple(self.block[k] for k in range(len(self.names))))

    @property
    def shape(self) -> tuple[int, int]:
        """(symbols, time) of every layer."""
        return (int(self.block.shape[1]), int(self.block.shape[2]))

    def get(self, name: str) -> FloatArray:
        """Return the layer called ``name``; raise KeyError when it was not computed."""
        try:
            k = self.names.index(name)
        except ValueError:
            raise KeyError(name) from None
        return self._views[k]
