"""The port through which the signal service stores signals (a database in production)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from simbiot.signals.model import Signal

__all__ = ["SignalRecorder"]


@runtime_checkable
class SignalRecorder(Protocol):
    """Durable record of emitted signals; storing the same signal twice keeps one row."""

    async def record(self, signals: Sequence[Signal]) -> int:
        """Store ``signals``; return how many rows were new."""
        ...
