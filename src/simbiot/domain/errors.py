"""The documented error tree of Simbiot.

Errors from third-party libraries (ccxt, SQLAlchemy, redis, cryptography) are translated
into this tree once, at the boundary where they occur; everything above that boundary
handles only these classes.

::

    SimbiotError
    ├── ConfigError                      bad configuration file, field or value
    ├── DataError                        market data that cannot be used
    │   └── MalformedPayload             a response of the wrong shape or type
    ├── ExchangeError                    anything an exchange said or failed to say
    │   ├── RetryableError               try again later (honour ``retry_after``)
    │   │   ├── NetworkError             timeout, connection reset, DNS
    │   │   ├── RateLimited              429 / 418: slow down
    │   │   └── ExchangeUnavailable      5xx, maintenance
    │   ├── NonRetryableError            the same request will fail again
    │   │   ├── BadSymbol                unknown, delisted or not API-tradable symbol
    │   │   ├── InvalidOrder             precision, minimums, bad parameters
    │   │   ├── InsufficientFunds
    │   │   └── OrderNotFound
    │   └── FatalExchangeError           stop using this account or venue
    │       └── AuthenticationError      bad key, bad signature, permission denied
    ├── StorageError
    │   ├── NotFound                     no such row for this owner
    │   ├── Conflict                     unique constraint, concurrent update
    │   └── CacheUnavailable             Redis (cache or bus) unreachable or too slow
    └── SecurityError
        └── DecryptionError              tampered ciphertext, wrong key or wrong owner
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "BadSymbol",
    "CacheUnavailable",
    "ConfigError",
    "Conflict",
    "DataError",
    "DecryptionError",
    "ExchangeError",
    "ExchangeUnavailable",
    "FatalExchangeError",
    "InsufficientFunds",
    "InvalidOrder",
    "MalformedPayload",
    "NetworkError",
    "NonRetryableError",
    "NotFound",
    "OrderNotFound",
    "RateLimited",
    "RetryableError",
    "SecurityError",
    "SimbiotError",
    "StorageError",
]


class SimbiotError(Exception):
    """Root of every error Simbiot raises on purpose."""


class ConfigError(SimbiotError):
    """A configuration source holds a value that cannot be used."""


class DataError(SimbiotError):
    """Market data that cannot be used."""


class MalformedPayload(DataError):
    """A response (exchange, metadata provider) of the wrong shape or type."""


class ExchangeError(SimbiotError):
    """Something an exchange said, or failed to say."""

    def __init__(self, message: str, *, exchange: str = "", symbol: str | None = None) -> None:
        super().__init__(message)
        self.exchange = exchange
        self.symbol = symbol


class RetryableError(ExchangeError):
    """The same request may succeed later; wait ``retry_after`` seconds when given."""

    def __init__(
        self,
        message: str,
        *,
        exchange: str = "",
        symbol: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, exchange=exchange, symbol=symbol)
        self.retry_after = retry_after


class NetworkError(RetryableError):
    """Timeout, reset connection, unreachable host."""


class RateLimited(RetryableError):
    """The venue asked us to slow down (HTTP 429, or 418 for an IP ban)."""


class ExchangeUnavailable(RetryableError):
    """Server error or maintenance."""


class NonRetryableError(ExchangeError):
    """The same request will fail again."""


class BadSymbol(NonRetryableError):
    """Unknown, delisted or not API-tradable symbol."""


class InvalidOrder(NonRetryableError):
    """The order breaks the market's rules (precision, minimums, parameters)."""


class InsufficientFunds(NonRetryableError):
    """Not enough free balance for the order."""


class OrderNotFound(NonRetryableError):
    """The venue does not know the order (yet, or any more)."""


class FatalExchangeError(ExchangeError):
    """Stop using this account or venue until a person looks at it."""


class AuthenticationError(FatalExchangeError):
    """Bad key, bad signature or missing permission."""


class StorageError(SimbiotError):
    """A storage operation failed."""


class NotFound(StorageError):
    """No such row, or not one that belongs to the caller."""


class Conflict(StorageError):
    """A uniqueness rule or a concurrent update refused the write."""


class CacheUnavailable(StorageError):
    """The cache or bus server did not answer in time, or refused the connection."""


class SecurityError(SimbiotError):
    """A security check failed."""


class DecryptionError(SecurityError):
    """Ciphertext tampered with, wrong key, or bound to another owner."""
