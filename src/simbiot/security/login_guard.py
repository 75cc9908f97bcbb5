"""Brute-force protection for logins, and equal cost for unknown e-mail addresses.

:class:`LoginGuard` counts failed logins per e-mail address and per client address in the
shared cache (Redis in production, so every API process sees the same counts). Once either
count reaches ``max_failures`` within the window, further attempts are refused until the
window (which starts at the first failure) closes; the refusal says when in ``retry_after_s``.
An unknown e-mail address is counted like a known one, so a lockout reveals nothing.
E-mail addresses are stored only as digests in key names.

:class:`DecoyHash` is verified in place of the stored hash when the e-mail is unknown, so a
miss costs one Argon2 verification like a wrong password does.
"""

from __future__ import annotations

import hashlib
import math
import secrets

from simbiot.cache.keys import CacheKeys
from simbiot.cache.port import Cache
from simbiot.domain.errors import SecurityError
from simbiot.security.passwords import PasswordHasher

__all__ = ["DecoyHash", "LoginGuard", "LoginLocked"]


class LoginLocked(SecurityError):
    """Too many failed logins for this e-mail or client address; retry later."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


def _email_key(email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return CacheKeys.rate_limit(f"login-email-{digest}")


def _address_key(address: str) -> str:
    return CacheKeys.rate_limit(f"login-address-{address}")


class LoginGuard:
    """Failed-login counters with a fixed window per e-mail and per client address."""

    def __init__(self, cache: Cache, *, max_failures: int, window_s: int) -> None:
        if max_failures < 1 or window_s < 1:
            raise ValueError("max_failures and window_s must be positive")
        self._cache = cache
        self._max = max_failures
        self._window_s = window_s

    def _keys(self, email: str, address: str | None) -> list[str]:
        keys = [_email_key(email)]
        if address:
            keys.append(_address_key(address))
        return keys

    async def check(self, *, email: str, address: str | None) -> None:
        """Raise :class:`LoginLocked` when the e-mail or the address is locked out."""
        keys = self._keys(email, address)
        values = await self._cache.get_many(keys)
        locked = [
            k for k, v in zip(keys, values, strict=True) if v is not None and int(v) >= self._max
        ]
        if not locked:
            return
        waits = [await self._cache.ttl(k) for k in locked]
        retry = max((w for w in waits if w is not None), default=float(self._window_s))
        raise LoginLocked(max(1, math.ceil(retry)))

    async def record_failure(self, *, email: str, address: str | None) -> None:
        """Count one failed login against the e-mail and the address."""
        for key in self._keys(email, address):
            await self._cache.incr(key, 1, ttl_s=self._window_s)

    async def clear(self, *, email: str) -> None:
        """Forget the e-mail's failures after a successful login (the address keeps its
        count: one address failing against many accounts stays suspicious)."""
        await self._cache.delete(_email_key(email))


class DecoyHash:
    """A hash of a random password at the current cost, made on first use."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self._hasher = hasher
        self._hash: str | None = None

    async def verify(self, password: str) -> bool:
        """Spend one verification on ``password``; always False."""
        if self._hash is None:
            self._hash = await self._hasher.hash_async(secrets.token_urlsafe(24))
        await self._hasher.verify_async(self._hash, password)
        return False
