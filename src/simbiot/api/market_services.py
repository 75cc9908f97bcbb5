"""Per-application market services the bot and market routes share (one per app, so a
cold cache is refilled once per process however many users ask)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from simbiot.api.deps import State
from simbiot.services.last_prices import LastPrices
from simbiot.services.market_feed import MarketFeed

__all__ = ["MarketServices", "Markets", "market_services"]


class MarketServices:
    """Last prices and the cached market views, built once per application."""

    def __init__(self, state: State) -> None:
        self.prices = LastPrices(state.container)
        self.feed = MarketFeed(state.container)


def market_services(request: Request, state: State) -> MarketServices:
    """The application's market services, built on first use."""
    found = getattr(request.app.state, "market_services", None)
    if isinstance(found, MarketServices):
        return found
    services = MarketServices(state)
    request.app.state.market_services = services
    return services


Markets = Annotated[MarketServices, Depends(market_services)]
