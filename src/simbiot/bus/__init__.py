"""The message bus port, its versioned envelope, and the Redis Streams and in-memory backends."""

from simbiot.bus.consumer import Consumer, Handler
from simbiot.bus.delivery import BusDelivery
from simbiot.bus.envelope import Envelope
from simbiot.bus.factory import build_bus
from simbiot.bus.memory import MemoryBus
from simbiot.bus.port import Bus, Delivery, Subscription
from simbiot.bus.redis_streams import RedisStreamsBus

__all__ = [
    "Bus",
    "BusDelivery",
    "Consumer",
    "Delivery",
    "Envelope",
    "Handler",
    "MemoryBus",
    "RedisStreamsBus",
    "Subscription",
    "build_bus",
]
