from __future__ import annotations

import aiohttp

from simbiot.observability.http import MetricsServer
from simbiot.observability.metrics import Metrics


async def test_metrics_and_health_are_served() -> None:
    metrics = Metrics()
    metrics.counter("demo_events_total", "Events seen.").inc(3)
    healthy = [True]

    async def health() -> bool:
        return healthy[0]

    server = MetricsServer(metrics, health=health)
    url = await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/metrics") as resp:
                assert resp.status == 200
                assert "text/plain" in resp.headers["Content-Type"]
                assert "simbiot_demo_events_total 3.0" in await resp.text()
            async with http.get(f"{url}/health") as resp:
                assert resp.status == 200
            healthy[0] = False
            async with http.get(f"{url}/health") as resp:
                assert resp.status == 503
                assert (await resp.json())["status"] == "unhealthy"
    finally:
        await server.stop()
