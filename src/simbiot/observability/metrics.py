"""Prometheus metrics owned by one object per process (G9, K2).

:class:`Metrics` owns its own ``CollectorRegistry``; nothing here touches
``prometheus_client``'s default global registry, so tests and several services in one
process never collide. Components receive a typed group (:class:`CacheMetrics`,
:class:`BusMetrics`) or create their own collectors through :meth:`Metrics.counter`,
:meth:`Metrics.histogram` and :meth:`Metrics.gauge`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["BusMetrics", "CacheMetrics", "Metrics"]

# Cache and bus operations take from ~50 µs (memory) to seconds (a stalled Redis).
LATENCY_BUCKETS = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)

_Collector = Counter | Gauge | Histogram


@dataclass(frozen=True, slots=True)
class CacheMetrics:
    """Cache hits and misses by kind of data, latency by operation, pool usage."""

    hits: Counter
    misses: Counter
    errors: Counter
    latency: Histogram
    pool_in_use: Gauge
    pool_available: Gauge

    def hit(self, kind: str, n: int = 1) -> None:
        """Count ``n`` hits on keys of ``kind``."""
        if n:
            self.hits.labels(kind=kind).inc(n)

    def miss(self, kind: str, n: int = 1) -> None:
        """Count ``n`` misses on keys of ``kind``."""
        if n:
            self.misses.labels(kind=kind).inc(n)

    def error(self, op: str) -> None:
        """Count one failed operation."""
        self.errors.labels(op=op).inc()

    def observe(self, op: str, seconds: float) -> None:
        """Record how long one ``op`` took."""
        self.latency.labels(op=op).observe(seconds)

    @contextmanager
    def time(self, op: str) -> Iterator[None]:
        """Time the enclosed block as one ``op`` (failures are timed too)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.observe(op, time.perf_counter() - start)

    def pool(self, in_use: int, available: int) -> None:
        """Publish the connection pool's current usage."""
        self.pool_in_use.set(in_use)
        self.pool_available.set(available)


@dataclass(frozen=True, slots=True)
class BusMetrics:
    """Bus traffic by topic family (see ``simbiot.bus.topics.family``)."""

    published: Counter
    delivered: Counter
    acked: Counter
    reclaimed: Counter
    malformed: Counter
    failed: Counter
    dead_lettered: Counter

    def count(self, counter: Counter, family: str, n: int = 1) -> None:
        """Add ``n`` to ``counter`` for one topic family."""
        if n:
            counter.labels(topic=family).inc(n)


class Metrics:
    """The process's metric registry and the factory of every collector in it."""

    def __init__(self, namespace: str = "simbiot", registry: CollectorRegistry | None = None):
        self._namespace = namespace
        self._registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._collectors: dict[str, tuple[type[_Collector], tuple[str, ...], _Collector]] = {}
        self._cache: CacheMetrics | None = None
        self._bus: BusMetrics | None = None

    @property
    def registry(self) -> CollectorRegistry:
        """The registry that :meth:`render` exposes."""
        return self._registry

    @property
    def content_type(self) -> str:
        """The HTTP content type of :meth:`render`'s output."""
        return str(CONTENT_TYPE_LATEST)

    def counter(self, name: str, doc: str, labels: Sequence[str] = ()) -> Counter:
        """Return the counter ``name``, creating it on first use."""
        made = self._get_or_make(Counter, name, doc, labels)
        assert isinstance(made, Counter)
        return made

    def gauge(self, name: str, doc: str, labels: Sequence[str] = ()) -> Gauge:
        """Return the gauge ``name``, creating it on first use."""
        made = self._get_or_make(Gauge, name, doc, labels)
        assert isinstance(made, Gauge)
        return made

    def histogram(
        self,
        name: str,
        doc: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> Histogram:
        """Return the histogram ``name``, creating it on first use."""
        made = self._get_or_make(Histogram, name, doc, labels, buckets)
        assert isinstance(made, Histogram)
        return made

    def cache(self) -> CacheMetrics:
        """Return the cache metric group (created once per registry)."""
        if self._cache is None:
            self._cache = CacheMetrics(
                hits=self.counter("cache_hits", "Cache reads that found a value", ["kind"]),
                misses=self.counter("cache_misses", "Cache reads that found nothing", ["kind"]),
                errors=self.counter("cache_errors", "Cache operations that failed", ["op"]),
                latency=self.histogram("cache_op_seconds", "Latency of cache operations", ["op"]),
                pool_in_use=self.gauge(
                    "cache_pool_in_use", "Redis connections currently checked out"
                ),
                pool_available=self.gauge(
                    "cache_pool_available", "Idle Redis connections ready for reuse"
                ),
            )
        return self._cache

    def bus(self) -> BusMetrics:
        """Return the bus metric group (created once per registry)."""
        if self._bus is None:
            self._bus = BusMetrics(
                published=self.counter("bus_published", "Messages published", ["topic"]),
                delivered=self.counter("bus_delivered", "Messages handed to consumers", ["topic"]),
                acked=self.counter("bus_acked", "Messages acknowledged", ["topic"]),
                reclaimed=self.counter(
                    "bus_reclaimed", "Stale pending messages re-claimed", ["topic"]
                ),
                malformed=self.counter(
                    "bus_malformed", "Undecodable messages acknowledged and skipped", ["topic"]
                ),
                failed=self.counter("bus_failed", "Handler failures (left for retry)", ["topic"]),
                dead_lettered=self.counter(
                    "bus_dead_lettered", "Messages parked after too many deliveries", ["topic"]
                ),
            )
        return self._bus

    def render(self) -> bytes:
        """Return every metric in the Prometheus text exposition format."""
        return generate_latest(self._registry)

    def _get_or_make(
        self,
        kind: type[_Collector],
        name: str,
        doc: str,
        labels: Sequence[str],
        buckets: Sequence[float] | None = None,
    ) -> _Collector:
        labels_t = tuple(labels)
        known = self._collectors.get(name)
        if known is not None:
            known_kind, known_labels, collector = known
            if known_kind is not kind or known_labels != labels_t:
                raise ValueError(
                    f"metric {name!r} already exists as {known_kind.__name__}{known_labels}"
                )
            return collector
        made: _Collector
        if kind is Histogram:
            made = Histogram(
                name,
                doc,
                labels_t,
                namespace=self._namespace,
                registry=self._registry,
                buckets=tuple(buckets or LATENCY_BUCKETS),
            )
        else:
            made = kind(name, doc, labels_t, namespace=self._namespace, registry=self._registry)
        self._collectors[name] = (kind, labels_t, made)
        return made
