"""Refresh tokens: opaque, rotated on every use, with reuse detection.

A token is 256 random bits (URL-safe base64); only its SHA-256 is stored. Each login starts
a *family*; a refresh marks the presented token used and issues the next one of the family.
A used or revoked token presented again means the family leaked (an attacker or the owner
holds a stale copy), so the whole family is revoked and its newest token dies too. Logging
out revokes one family; "log out everywhere", a password change and deactivation revoke
every family of the user.

:meth:`RefreshTokens.rotate` reports a rejection as a value instead of raising, because the
revocation it may have written must be committed before the caller answers 401.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.clock import Clock
from simbiot.domain.errors import NotFound
from simbiot.storage.repositories import refresh_tokens, users

__all__ = [
    "TOKEN_BYTES",
    "IssuedRefresh",
    "RefreshTokens",
    "Rejected",
    "Rotated",
    "hash_token",
]

log = logging.getLogger(__name__)

TOKEN_BYTES = 32
# Longest string looked up (issued tokens have 43 characters; a JWT presented by mistake
# must still get the 401 of an unknown token, not a validation error).
_MAX_TOKEN_CHARS = 4096

RejectReason = Literal["unknown", "expired", "reused", "revoked", "inactive"]


def hash_token(token: str) -> str:
    """The stored form of a refresh token: SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedRefresh:
    """A refresh token handed to the client (the only time it exists in clear)."""

    token: str
    family_id: str
    user_id: int
    expires_in_s: int


@dataclass(frozen=True, slots=True)
class Rotated:
    """A successful refresh: whose it was and the family's next token."""

    user_id: int
    role: str
    refresh: IssuedRefresh


@dataclass(frozen=True, slots=True)
class Rejected:
    """A refused refresh and why (for logs only: the client always gets the same 401)."""

    reason: RejectReason


class RefreshTokens:
    """Issue, rotate and revoke refresh tokens; times come from the injected clock."""

    def __init__(self, *, ttl_s: int, clock: Clock) -> None:
        if ttl_s <= 0:
            raise ValueError("the refresh token lifetime must be positive")
        self._ttl_s = ttl_s
        self._clock = clock

    async def issue(
        self, session: AsyncSession, *, user_id: int, family_id: str | None = None
    ) -> IssuedRefresh:
        """Store and return a new token; a new family unless ``family_id`` continues one.

        A new family (a login) also deletes the user's expired tokens, so the table holds
        per user only what may still be presented, without a sweep over every user.
        """
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock.now()
        if family_id is None:
            await refresh_tokens.delete_expired(session, user_id=user_id, before=now)
        family = family_id or secrets.token_hex(16)
        await refresh_tokens.add(
            session,
            user_id=user_id,
            family_id=family,
            token_hash=hash_token(token),
            issued_at=now,
            expires_at=now + timedelta(seconds=self._ttl_s),
        )
        return IssuedRefresh(token, family, user_id, self._ttl_s)

    async def rotate(self, session: AsyncSession, *, token: str) -> Rotated | Rejected:
        """Spend ``token`` and issue the next of its family, or say why not.

        Commit the session even on a rejection: a reuse has revoked the family.
        """
        if not token or len(token) > _MAX_TOKEN_CHARS:
            return Rejected("unknown")
        try:
            row = await refresh_tokens.get_by_hash(session, token_hash=hash_token(token))
        except NotFound:
            return Rejected("unknown")
        now = self._clock.now()
        if row.used_at is not None or row.revoked_at is not None:
            reason: RejectReason = "reused" if row.used_at is not None else "revoked"
            await self._revoke_family(session, row.user_id, row.family_id, "reuse")
            log.warning(
                "refresh token %s: family %s of user %d revoked", reason, row.family_id, row.user_id
            )
            return Rejected(reason)
        if row.expires_at <= now:
            return Rejected("expired")
        try:
            user = await users.get(session, user_id=row.user_id)
        except NotFound:
            return Rejected("unknown")
        if not user.is_active:
            await self._revoke_family(session, row.user_id, row.family_id, "inactive")
            return Rejected("inactive")
        if not await refresh_tokens.claim(session, user_id=row.user_id, token_id=row.id, now=now):
            # Another request spent it between our read and our write: a reuse as well.
            await self._revoke_family(session, row.user_id, row.family_id, "reuse")
            log.warning("refresh token raced: family %s of user %d revoked", row.family_id, user.id)
            return Rejected("reused")
        issued = await self.issue(session, user_id=row.user_id, family_id=row.family_id)
        return Rotated(user.id, user.role, issued)

    async def revoke(self, session: AsyncSession, *, token: str) -> int | None:
        """Revoke the family of ``token`` (log out); return its user id, None if unknown."""
        if not token or len(token) > _MAX_TOKEN_CHARS:
            return None
        try:
            row = await refresh_tokens.get_by_hash(session, token_hash=hash_token(token))
        except NotFound:
            return None
        await self._revoke_family(session, row.user_id, row.family_id, "logout")
        return row.user_id

    async def revoke_all(self, session: AsyncSession, *, user_id: int, reason: str) -> int:
        """Revoke every family of the user and every access token issued so far; return how
        many live refresh tokens died."""
        now = self._clock.now()
        await users.set_tokens_valid_after(session, user_id=user_id, at=now)
        return await refresh_tokens.revoke_user(session, user_id=user_id, now=now, reason=reason)

    async def _revoke_family(
        self, session: AsyncSession, user_id: int, family_id: str, reason: str
    ) -> None:
        await refresh_tokens.revoke_family(
            session, user_id=user_id, family_id=family_id, now=self._clock.now(), reason=reason
        )
