"""Prometheus metrics of exchange requests: outcomes, latency, throttle waits, slots in use."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram

from simbiot.observability.metrics import Metrics

__all__ = ["ExchangeMetrics"]

# Exchange calls take from a few milliseconds to the client's timeout.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Throttle waits run from nothing to a venue's ban.
_WAIT_BUCKETS = (0.0, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)


@dataclass(frozen=True, slots=True)
class ExchangeMetrics:
    """Collectors shared by every client of the process."""

    requests: Counter
    latency: Histogram
    throttle_wait: Histogram
    in_flight: Gauge

    @classmethod
    def create(cls, metrics: Metrics) -> ExchangeMetrics:
        """Return the group, registering its collectors in ``metrics`` on first use."""
        return cls(
            requests=metrics.counter(
                "exchange_requests",
                "Exchange requests by venue, endpoint and outcome (ok or error class)",
                ["venue", "endpoint", "outcome"],
            ),
            latency=metrics.histogram(
                "exchange_request_seconds",
                "Latency of exchange requests, throttle wait excluded",
                ["venue", "endpoint"],
                buckets=_LATENCY_BUCKETS,
            ),
            throttle_wait=metrics.histogram(
                "exchange_throttle_wait_seconds",
                "Time requests waited for rate-limit budget",
                ["venue"],
                buckets=_WAIT_BUCKETS,
            ),
            in_flight=metrics.gauge(
                "exchange_in_flight", "Exchange requests holding a connection slot", ["venue"]
            ),
        )

    def observe(self, venue: str, endpoint: str, outcome: str, seconds: float) -> None:
        """Record one finished request."""
        self.requests.labels(venue=venue, endpoint=endpoint, outcome=outcome).inc()
        self.latency.labels(venue=venue, endpoint=endpoint).observe(seconds)

    def waited(self, venue: str, seconds: float) -> None:
        """Record one throttle wait."""
        self.throttle_wait.labels(venue=venue).observe(seconds)
