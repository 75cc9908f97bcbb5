"""Signal domain values: a signal, a strategy configuration and a user's subscription to it."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = ["Side", "Signal", "StrategyConfig", "Subscription", "canonical_json"]


class Side(StrEnum):
    """What a signal asks for. Spot trading is long-only; the short sides are reserved."""

    ENTRY_LONG = "entry_long"
    EXIT_LONG = "exit_long"
    ENTRY_SHORT = "entry_short"
    EXIT_SHORT = "exit_short"

    @property
    def is_entry(self) -> bool:
        """Whether the signal opens a position (and so competes for a slot)."""
        return self in (Side.ENTRY_LONG, Side.ENTRY_SHORT)


def canonical_json(value: Any) -> str:
    """Return ``value`` as JSON with sorted keys and no spaces (stable across processes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True, slots=True)
class Signal:
    """One strategy configuration's verdict on one symbol at one closed bar."""

    config_id: str
    symbol: str
    side: Side
    strength: float
    reason: str
    ts: int
    expected_value: float | None = None
    xray_score: float | None = None

    def __post_init__(self) -> None:
        if not (0.0 <= self.strength <= 1.0):
            raise ValueError(f"strength must lie in [0, 1], got {self.strength!r}")
        for name in ("expected_value", "xray_score"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name} must be finite or None, got {value!r}")

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "config_id": self.config_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "strength": self.strength,
            "reason": self.reason,
            "ts": self.ts,
            "expected_value": self.expected_value,
            "xray_score": self.xray_score,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Signal:
        """Rebuild a signal from :meth:`to_json`; raise ValueError on a malformed document."""
        try:
            ev, xs = doc.get("expected_value"), doc.get("xray_score")
            return cls(
                config_id=str(doc["config_id"]),
                symbol=str(doc["symbol"]),
                side=Side(doc["side"]),
                strength=float(doc["strength"]),
                reason=str(doc["reason"]),
                ts=int(doc["ts"]),
                expected_value=None if ev is None else float(ev),
                xray_score=None if xs is None else float(xs),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed signal document: {exc}") from exc


@dataclass(frozen=True, slots=True)
class StrategyConfig:
    """A strategy name with its parameter values; equal configurations share one evaluation."""

    strategy: str
    params: dict[str, Any] = field(default_factory=dict)

    def canonical(self) -> str:
        """Return the canonical JSON the id is hashed from."""
        return canonical_json({"strategy": self.strategy, "params": self.params})

    @property
    def config_id(self) -> str:
        """A stable 20-hex-digit id: equal for equal strategy and params, in any key order."""
        return hashlib.blake2b(self.canonical().encode(), digest_size=10).hexdigest()

    def __hash__(self) -> int:
        return hash(self.canonical())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StrategyConfig):
            return NotImplemented
        return self.canonical() == other.canonical()


@dataclass(frozen=True, slots=True)
class Subscription:
    """A user following one strategy configuration.

    ``max_slots`` and ``capital`` shape what the user trades, never what the strategy says,
    so they are not part of the configuration id.
    """

    user_id: int
    config: StrategyConfig
    max_slots: int = 5
    capital: Decimal | None = None

    @property
    def config_id(self) -> str:
        """The id of the followed configuration."""
        return self.config.config_id
