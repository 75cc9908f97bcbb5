"""Ask a venue what a new API key may do, before the key is stored.

The check uses a throw-away private client built like the registry's own (the venue's
pool, limiter and retry policy) and closed at once; the key never reaches a log.
"""

from __future__ import annotations

from pydantic import SecretStr

from simbiot.config.sections import RetrySettings
from simbiot.domain.clock import Clock
from simbiot.exchange.ccxt.factory import Credentials, create_client
from simbiot.exchange.ccxt.trading import CcxtTrading
from simbiot.exchange.clients import ClientRegistry
from simbiot.exchange.permissions import KeyPermissions
from simbiot.exchange.retry import RetryPolicy
from simbiot.exchange.throttle import RateLimiter
from simbiot.security.secrets import ExchangeCredentials

__all__ = ["KEY_CHECK_ACCOUNT", "KEY_CHECK_ATTEMPTS", "check_key"]

# Key checks of all users share one account budget per venue on the limiter.
KEY_CHECK_ACCOUNT = "key-check"
# A person waits for the answer: at most this many tries, this far apart.
KEY_CHECK_ATTEMPTS = 2
KEY_CHECK_MAX_DELAY_S = 1.0


def _interactive(retry: RetrySettings) -> RetrySettings:
    return retry.model_copy(
        update={
            "attempts": min(retry.attempts, KEY_CHECK_ATTEMPTS),
            "max_delay_s": min(retry.max_delay_s, KEY_CHECK_MAX_DELAY_S),
        }
    )


async def check_key(
    registry: ClientRegistry,
    limiter: RateLimiter,
    clock: Clock,
    *,
    venue: str,
    credentials: ExchangeCredentials,
) -> KeyPermissions:
    """Return the key's permissions on ``venue`` ("unknown" where the venue cannot tell).

    A key the venue refuses raises ``AuthenticationError``; an unconfigured venue
    ``ConfigError``; an unreachable one ``NetworkError`` or ``ExchangeUnavailable``.
    """
    settings = registry.venue_settings(venue)
    pool = registry.pool(venue)
    creds = Credentials(
        SecretStr(credentials.api_key),
        SecretStr(credentials.secret),
        SecretStr(credentials.password) if credentials.password is not None else None,
    )
    client = create_client(venue, settings, credentials=creds, session=pool.session())
    trading = CcxtTrading(
        client,
        venue,
        settings,
        limiter,
        pool,
        RetryPolicy(_interactive(settings.retry), clock),
        clock,
        account=KEY_CHECK_ACCOUNT,
    )
    try:
        return await trading.key_permissions()
    finally:
        await trading.close()
