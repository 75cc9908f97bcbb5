"""Publish/subscribe port with consumer groups and explicit acknowledgement.

Semantics every backend honours (checked by one contract suite):
- ``publish`` appends to the topic; every *group* subscribed to the topic receives each
  message once, shared among that group's consumers (competing consumers).
- A delivered message stays pending until ``ack``; a message pending longer than
  ``claim_idle_ms`` on a consumer that stopped is re-delivered to another consumer of the
  group (at-least-once). Handlers must therefore be idempotent (use ``Envelope.id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from simbiot.bus.envelope import Envelope

__all__ = ["Bus", "Delivery", "Subscription"]


@runtime_checkable
class Delivery(Protocol):
    """One message handed to one consumer."""

    @property
    def envelope(self) -> Envelope: ...

    @property
    def message_id(self) -> str:
        """The backend's id of this message within its topic (the stream entry id)."""
        ...

    @property
    def attempts(self) -> int:
        """How many times this message has been delivered (1 on first delivery)."""
        ...

    async def ack(self) -> None:
        """Mark the message processed; it will not be delivered again."""
        ...


@runtime_checkable
class Subscription(Protocol):
    """A consumer's membership in a group on a topic."""

    async def fetch(
        self, max_messages: int = 100, block_ms: int | None = None
    ) -> Sequence[Delivery]:
        """Return up to ``max_messages``: first re-claimed stale ones, then new ones.

        Waits at most ``block_ms`` (the backend default when None) when nothing is ready.
        """
        ...

    async def ack_many(self, deliveries: Sequence[Delivery]) -> int:
        """Acknowledge several deliveries of this subscription in one round trip.

        Return how many were still pending.
        """
        ...

    async def close(self) -> None: ...


@runtime_checkable
class Bus(Protocol):
    """The message bus."""

    async def publish(
        self,
        topic: str,
        payload: dict[str, Any],
        *,
        type: str,
        version: int = 1,
        headers: dict[str, str] | None = None,
    ) -> Envelope:
        """Publish one message; return its envelope."""
        ...

    async def subscribe(self, topic: str, *, group: str, consumer: str) -> Subscription:
        """Join ``group`` on ``topic`` as ``consumer``; the group starts at new messages."""
        ...

    async def close(self) -> None: ...
