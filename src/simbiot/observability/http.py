"""A small HTTP endpoint serving ``/metrics`` (Prometheus text) and ``/health``.

Services without their own HTTP API (market data, analyzer, trader, learner) expose their
registry here; the API service serves the same registry on its own ``/metrics`` route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from simbiot.observability.metrics import Metrics

__all__ = ["MetricsServer"]

HealthCheck = Callable[[], Awaitable[bool]]


class MetricsServer:
    """Serve ``metrics`` on ``host:port`` until :meth:`stop`."""

    def __init__(
        self,
        metrics: Metrics,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        health: HealthCheck | None = None,
    ) -> None:
        self._metrics = metrics
        self._host = host
        self._port = port
        self._health = health
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    async def _serve_metrics(self, _: web.Request) -> web.Response:
        return web.Response(
            body=self._metrics.render(), headers={"Content-Type": self._metrics.content_type}
        )

    async def _serve_health(self, _: web.Request) -> web.Response:
        ok = True if self._health is None else await self._health()
        return web.json_response({"status": "ok" if ok else "unhealthy"}, status=200 if ok else 503)

    async def start(self) -> str:
        """Start listening; return the base URL."""
        app = web.Application()
        app.router.add_get("/metrics", self._serve_metrics)
        app.router.add_get("/health", self._serve_health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port = self._port
        for address in self._runner.addresses:  # the bound address (port 0 → a free one)
            port = int(address[1])
            break
        self.url = f"http://{self._host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
