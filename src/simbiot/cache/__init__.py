"""The cache port (K1, K2), its Redis and in-memory backends, key names and codecs."""

from simbiot.cache.factory import build_cache
from simbiot.cache.instrumented import InstrumentedCache
from simbiot.cache.keys import CacheKeys, CacheKind
from simbiot.cache.memory import MemoryCache
from simbiot.cache.port import Cache
from simbiot.cache.redis import RedisCache
from simbiot.cache.store import CacheStore
from simbiot.cache.ttl import TTLPolicy

__all__ = [
    "Cache",
    "CacheKeys",
    "CacheKind",
    "CacheStore",
    "InstrumentedCache",
    "MemoryCache",
    "RedisCache",
    "TTLPolicy",
    "build_cache",
]
