"""The versioned message envelope every bus message travels in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from simbiot.domain.errors import DataError

__all__ = ["ENVELOPE_SCHEMA", "Envelope"]

ENVELOPE_SCHEMA = 1


@dataclass(frozen=True, slots=True)
class Envelope:
    """One message: a typed, versioned payload on a topic.

    ``type`` names the payload's schema (``"candles.closed"``), ``version`` its revision, so
    consumers can accept old and new producers during a rolling upgrade.
    """

    topic: str
    type: str
    payload: dict[str, Any]
    ts_ms: int
    version: int = 1
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        """Serialise to JSON bytes."""
        return orjson.dumps(
            {
                "schema": ENVELOPE_SCHEMA,
                "id": self.id,
                "topic": self.topic,
                "type": self.type,
                "version": self.version,
                "ts_ms": self.ts_ms,
                "headers": self.headers,
                "payload": self.payload,
            },
            option=orjson.OPT_SERIALIZE_NUMPY,
        )

    @classmethod
    def decode(cls, raw: bytes) -> Envelope:
        """Parse bytes made by :meth:`encode`; raise DataError on anything else."""
        try:
            doc = orjson.loads(raw)
            if not isinstance(doc, dict) or doc.get("schema") != ENVELOPE_SCHEMA:
                raise DataError(
                    f"unsupported envelope schema: {doc.get('schema') if isinstance(doc, dict) else doc!r}"
                )
            payload = doc["payload"]
            headers = doc.get("headers", {})
            if not isinstance(payload, dict) or not isinstance(headers, dict):
                raise DataError("envelope payload and headers must be objects")
            return cls(
                topic=str(doc["topic"]),
                type=str(doc["type"]),
                payload=payload,
                ts_ms=int(doc["ts_ms"]),
                version=int(doc["version"]),
                id=str(doc["id"]),
                headers={str(k): str(v) for k, v in headers.items()},
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise DataError(f"malformed envelope: {exc}") from exc
