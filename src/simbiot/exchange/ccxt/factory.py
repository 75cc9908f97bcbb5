"""Build ccxt async clients from configuration."""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
import ccxt.async_support as ccxt_async
from pydantic import SecretStr

from simbiot.config.sections import ExchangeSettings
from simbiot.exchange.capabilities import capabilities
from simbiot.exchange.ccxt.errors import install_header_capture
from simbiot.exchange.ccxt.urls import rebase_urls

__all__ = ["CREDENTIALED_LOGGER", "Credentials", "create_client"]

# ccxt logs every request's headers (the API key among them) at DEBUG. Clients holding
# credentials log through this logger instead, which never passes DEBUG records on.
CREDENTIALED_LOGGER = "simbiot.exchange.ccxt.credentialed"


@dataclass(frozen=True, slots=True)
class Credentials:
    """API credentials of one account; secrets stay wrapped until handed to ccxt."""

    api_key: SecretStr
    secret: SecretStr
    password: SecretStr | None = None

    def __repr__(self) -> str:
        return "Credentials(api_key=**********, secret=**********)"


def create_client(
    venue: str,
    settings: ExchangeSettings,
    *,
    credentials: Credentials | None = None,
    session: aiohttp.ClientSession | None = None,
) -> Any:
    """Return a ``ccxt.async_support`` client for ``venue``.

    ccxt's own throttle is off (our limiter paces requests); ``session`` is the venue's
    shared HTTP session, which the client then does not close.
    """
    caps = capabilities(venue)
    config: dict[str, Any] = {
        "enableRateLimit": False,
        "timeout": int(settings.timeout_s * 1000),
        "options": copy.deepcopy(dict(caps.ccxt_options)),
    }
    if session is not None:
        config["session"] = session
    if credentials is not None:
        config["apiKey"] = credentials.api_key.get_secret_value()
        config["secret"] = credentials.secret.get_secret_value()
        if credentials.password is not None:
            config["password"] = credentials.password.get_secret_value()
    client = getattr(ccxt_async, venue)(config)
    if credentials is not None:
        quiet = logging.getLogger(CREDENTIALED_LOGGER)
        quiet.setLevel(max(quiet.level, logging.INFO))
        client.logger = quiet
    if session is not None:
        # ccxt pauses on close to let its own sockets drain; a shared session has none.
        client.timeout_on_exit = 0
    if settings.base_url:
        client.urls["api"] = rebase_urls(client.urls["api"], settings.base_url)
    install_header_capture(client)
    return client
