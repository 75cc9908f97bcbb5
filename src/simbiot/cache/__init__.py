"""The cache port (K1, K2), its Redis and in-memory backends, key names and codecs."""

from simbiot.cache.port import Cache

__all__ = ["Cache"]
