"""``publish`` for every backend: build the envelope once, hand its bytes to ``publish_raw``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from simbiot.bus import topics
from simbiot.bus.envelope import Envelope
from simbiot.domain.clock import Clock

__all__ = ["EnvelopePublisher"]


class EnvelopePublisher(ABC):
    """Base of the bus backends: they differ only in how encoded bytes are appended."""

    _clock: Clock

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
        envelope = Envelope(
            topic=topics.validate(topic),
            type=type,
            payload=payload,
            ts_ms=self._clock.now_ms(),
            version=version,
            headers=dict(headers or {}),
        )
        await self.publish_raw(topic, envelope.encode())
        return envelope

    @abstractmethod
    async def publish_raw(self, topic: str, raw: bytes) -> str:
        """Append already-encoded envelope bytes; return the message id."""
