"""The HTTP API served inside another command's process, sharing its container.

``simbiot run`` trades and answers the API in one process: the app is built over the
running container (``create_app(settings, container=...)``), so bots started through the
API are traded by the same process at its next cycle. The port is bound before the server
starts; a port already taken is reported and the command goes on without the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator

from rich.console import Console

from simbiot.config import Settings
from simbiot.domain.errors import ConfigError
from simbiot.security.local_secrets import with_local_secrets
from simbiot.services.container import Container

__all__ = ["api_beside", "with_api_secrets"]

log = logging.getLogger(__name__)

# How long the server may take to start or to stop before the command gives up on it.
_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 30.0


def with_api_secrets(settings: Settings) -> Settings:
    """``settings`` with the secrets the API signs tokens and seals keys with (an embedded
    install's local ones), so the trader opens the keys the API stored; unchanged when
    they cannot be had (the API then reports why it is not served)."""
    try:
        return with_local_secrets(settings)
    except ConfigError:
        return settings


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@contextlib.asynccontextmanager
async def api_beside(
    settings: Settings,
    container: Container,
    console: Console,
    *,
    enabled: bool = True,
    host: str | None = None,
    port: int | None = None,
) -> AsyncIterator[str | None]:
    """Serve the API over ``container`` for the block; yield its URL (None if not served)."""
    if not enabled:
        yield None
        return
    # Imported here so commands without the API do not load the web stack.
    import uvicorn

    from simbiot.api.app import create_app

    bind_host = host or settings.api.host
    bind_port = settings.api.port if port is None else port
    try:
        sock = _bind(bind_host, bind_port)
    except OSError as exc:
        console.print(
            f"[yellow]API not served:[/yellow] cannot listen on {bind_host}:{bind_port}"
            f" ({exc.strerror or exc}); trading goes on (--no-api to silence)"
        )
        yield None
        return
    try:
        app = create_app(settings, container=container)
    except ConfigError as exc:
        sock.close()
        console.print(f"[yellow]API not served:[/yellow] {exc}")
        yield None
        return
    config = uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=True)
    server = uvicorn.Server(config)
    # The command owns the signal handlers (graceful shutdown of the trading loop).
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    url = f"http://{bind_host}:{sock.getsockname()[1]}"
    try:
        waited = 0.0
        while not server.started and not task.done() and waited < _START_TIMEOUT_S:
            await asyncio.sleep(0.05)
            waited += 0.05
        if not server.started:
            console.print("[yellow]API not served:[/yellow] the server did not start")
            yield None
            return
        console.print(f"API on {url} (docs: {url}/api/v1/docs)")
        yield url
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, _STOP_TIMEOUT_S)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("the API server did not stop in time")
        except Exception:
            log.warning("the API server failed", exc_info=True)
        finally:
            sock.close()
