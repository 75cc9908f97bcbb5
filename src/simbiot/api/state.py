"""What the API's lifespan opens once and every request shares."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from simbiot.config import Settings
from simbiot.domain.clock import Clock
from simbiot.security.passwords import PasswordHasher
from simbiot.security.tokens import TokenService
from simbiot.services.container import Container

__all__ = ["ApiState", "BackgroundFactory", "BackgroundService"]

log = logging.getLogger(__name__)


class BackgroundService(Protocol):
    """Work the API process runs beside the requests (job workers, billing sweeps ...)."""

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class ApiState:
    """The process's container plus the API's own services; on ``app.state.api``."""

    settings: Settings
    container: Container
    tokens: TokenService
    passwords: PasswordHasher
    # Real time, for what protects against people: token lifetimes, rate windows, key
    # expiry. The container's clock may be a simulated venue's, running faster.
    wall_clock: Clock
    background: list[BackgroundService] = field(default_factory=list)

    async def start_background(self, factories: list[BackgroundFactory]) -> None:
        """Build and start each background service a factory returns."""
        for factory in factories:
            service = factory(self)
            if service is None:
                continue
            await service.start()
            self.background.append(service)

    async def aclose(self) -> None:
        """Stop the background services, newest first; one failure never skips the rest."""
        while self.background:
            service = self.background.pop()
            try:
                await service.aclose()
            except Exception:
                log.warning("stopping a background service failed", exc_info=True)


BackgroundFactory = Callable[[ApiState], BackgroundService | None]
AsyncCloser = Callable[[], Awaitable[None]]
