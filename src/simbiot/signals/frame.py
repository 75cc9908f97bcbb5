"""A strategy's answer over the whole market: entry/exit masks and strength, symbols × time."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.signals.model import Side, Signal

__all__ = ["BoolArray", "ReasonFn", "SignalFrame"]

BoolArray = npt.NDArray[np.bool_]
# (row, column, side) -> a human sentence with the numbers behind the decision.
ReasonFn = Callable[[int, int, Side], str]


@dataclass(frozen=True, slots=True)
class SignalFrame:
    """Entry and exit masks over every symbol and bar, with the strength of each entry.

    The backtester replays these arrays; the live path reads only the last column through
    :meth:`latest`. ``expected_value`` (per symbol, optional) is the strategy's measured
    edge, attached by the engine.
    """

    symbols: tuple[str, ...]
    timestamp: npt.NDArray[np.int64]
    entry: BoolArray
    exit: BoolArray
    strength: FloatArray
    reason: ReasonFn
    side: Side = Side.ENTRY_LONG
    expected_value: FloatArray | None = None

    def __post_init__(self) -> None:
        shape = (len(self.symbols), len(self.timestamp))
        for name in ("entry", "exit", "strength"):
            arr = getattr(self, name)
            if arr.shape != shape:
                raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
        if self.entry.dtype != np.bool_ or self.exit.dtype != np.bool_:
            raise ValueError("entry and exit must be boolean arrays")

    @property
    def exit_side(self) -> Side:
        """The side of an exit signal of this frame."""
        return Side.EXIT_LONG if self.side is Side.ENTRY_LONG else Side.EXIT_SHORT

    def with_expected_value(self, ev: FloatArray) -> SignalFrame:
        """Return a copy carrying a per-symbol expected value."""
        return SignalFrame(
            self.symbols, self.timestamp, self.entry, self.exit, self.strength,
            self.reason, self.side, ev,
        )  # fmt: skip

    def latest(self, config_id: str, xray: Mapping[str, float] | None = None) -> list[Signal]:
        """Return the signals at the last bar: exits first, then entries, by symbol.

        A symbol with both an entry and an exit at the same bar gives only the exit: the
        conservative reading of a contradiction.
        """
        if len(self.timestamp) == 0:
            return []
        t = len(self.timestamp) - 1
        ts = int(self.timestamp[t])
        out: list[Signal] = []
        exits = np.flatnonzero(self.exit[:, t])
        entries = np.flatnonzero(self.entry[:, t] & ~self.exit[:, t])
        for rows, side in ((exits, self.exit_side), (entries, self.side)):
            for r in rows:
                out.append(self._signal(int(r), t, ts, side, config_id, xray))
        return out

    def _signal(
        self, r: int, t: int, ts: int, side: Side, config_id: str, xray: Mapping[str, float] | None
    ) -> Signal:
        symbol = self.symbols[r]
        raw = float(self.strength[r, t]) if side.is_entry else 1.0
        strength = min(1.0, max(0.0, raw)) if math.isfinite(raw) else 0.0
        ev = None
        if self.expected_value is not None and math.isfinite(self.expected_value[r]):
            ev = float(self.expected_value[r])
        score = None if xray is None else xray.get(symbol)
        if score is not None and not math.isfinite(score):
            score = None
        return Signal(config_id, symbol, side, strength, self.reason(r, t, side), ts, ev, score)
