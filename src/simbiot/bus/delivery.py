"""The delivery object both bus backends hand to consumers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from simbiot.bus.envelope import Envelope

__all__ = ["BusDelivery"]


@dataclass(frozen=True, slots=True)
class BusDelivery:
    """One message handed to one consumer; ``ack`` removes it from the group's pending list."""

    envelope: Envelope
    attempts: int
    message_id: str
    _ack: Callable[[], Awaitable[None]] = field(repr=False, compare=False)

    async def ack(self) -> None:
        """Mark the message processed; it will not be delivered again."""
        await self._ack()
