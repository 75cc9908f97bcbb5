"""Open a ready container for one command or service run: venue URL, simulator, clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from simbiot.config import Settings
from simbiot.domain.errors import ConfigError
from simbiot.services.container import Container
from simbiot.services.embedded import embedded_market

__all__ = ["open_container", "with_exchange_url"]


def with_exchange_url(settings: Settings, exchange: str | None, url: str | None) -> Settings:
    """Return ``settings`` with ``exchange`` (default venue when None) pointed at ``url``."""
    if url is None:
        return settings
    exchanges = settings.exchanges
    venue = exchange or exchanges.default
    if venue not in exchanges.venues:
        raise ConfigError(
            f"exchange {venue!r} is not configured; known: {', '.join(exchanges.venues)}"
        )
    patched = exchanges.venues[venue].model_copy(update={"base_url": url})
    new = exchanges.model_copy(update={"venues": {**exchanges.venues, venue: patched}})
    return settings.model_copy(update={"exchanges": new})


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
