"""The message bus port, its versioned envelope, and the Redis Streams and in-memory backends."""

from simbiot.bus.envelope import Envelope
from simbiot.bus.port import Bus, Delivery, Subscription

__all__ = ["Bus", "Delivery", "Envelope", "Subscription"]
