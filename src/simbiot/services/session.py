"""Open a ready container for one command or service run: venue URL, simulator, clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from simbiot.config import Settings
from simbiot.domain.errors import ConfigError
from simbiot.services.container import Container
from simbiot.services.embedded import embedded_market
from simbiot.services.overrides import with_exchange_url

__all__ = ["open_container", "with_exchange_url"]


@asynccontextmanager
async def open_container(
    settings: Settings,
    *,
    exchange: str | None = None,
    exchange_url: str | None = None,
) -> AsyncIterator[Container]:
    """Yield a started container; the embedded simulator runs for its lifetime when needed.

    ``exchange_url`` points the venue at a given host (the simulator started by
    ``simbiot sim serve``, a proxy); without it and without a configured ``base_url``
    the embedded default serves the venue from the bundled simulator.
    """
    settings = with_exchange_url(settings, exchange, exchange_url)
    if exchange is not None and exchange != settings.exchanges.default:
        if exchange not in settings.exchanges.venues:
            raise ConfigError(
                f"exchange {exchange!r} is not configured; known: {', '.join(settings.exchanges.venues)}"
            )
        settings = settings.model_copy(
            update={"exchanges": settings.exchanges.model_copy(update={"default": exchange})}
        )
    async with (
        embedded_market(settings) as market,
        Container(market.settings, clock=market.clock) as container,
    ):
        container.simulator = market.server
        yield container
