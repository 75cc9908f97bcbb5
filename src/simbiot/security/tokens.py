"""Access tokens: short-lived JWTs signed with HS256, every claim checked on the way in.

The algorithm is pinned (a token naming another one, ``none`` included, is refused), and
issuer, audience, expiry, issue time, subject and the token type are all required. Refresh
tokens are not JWTs: they are opaque random strings stored hashed (``security.refresh``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import jwt

from simbiot.domain.clock import Clock
from simbiot.domain.errors import SecurityError

__all__ = ["ALGORITHM", "AccessClaims", "InvalidToken", "TokenService"]

ALGORITHM = "HS256"
_REQUIRED = ("exp", "iat", "nbf", "iss", "aud", "sub", "jti", "typ", "role", "iat_ms")
# Shorter secrets make HS256 guessable offline (RFC 7518 §3.2 asks for >= 256 bits).
_MIN_SECRET_BYTES = 32


class InvalidToken(SecurityError):
    """A token that is malformed, forged, expired or of the wrong kind."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says about its bearer."""

    user_id: int
    role: str
    token_id: str
    expires_at_s: int
    # Milliseconds, so a revocation and a new login in the same second are told apart.
    issued_at_ms: int


class TokenService:
    """Issue and verify access tokens for one issuer and audience."""

    def __init__(
        self, *, secret: str, issuer: str, audience: str, ttl_s: int, clock: Clock
    ) -> None:
        if len(secret.encode()) < _MIN_SECRET_BYTES:
            raise SecurityError(f"the JWT secret must be at least {_MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self.ttl_s = ttl_s
        self._clock = clock

    def issue(self, user_id: int, role: str) -> str:
        """Return a signed access token for ``user_id`` valid for ``ttl_s`` seconds."""
        now_ms = self._clock.now_ms()
        now = now_ms // 1000
        claims = {
            "sub": str(user_id),
            "role": role,
            "typ": "access",
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl_s,
            "jti": secrets.token_hex(16),
            "iat_ms": now_ms,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        """Return the claims of a valid access token; raise :class:`InvalidToken` otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("token algorithm not accepted")
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # Times are checked below against the injected clock; PyJWT would compare
                # "iat" with the wall clock and refuse tokens of a clock ahead of it.
                options={
                    "require": list(_REQUIRED),
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken("token signature or claims invalid") from exc
        # Time checks against the injected clock, so simulated time and tests agree.
        now = self._clock.now_ms() // 1000
        exp, nbf = claims.get("exp"), claims.get("nbf")
        if not isinstance(exp, int) or not isinstance(nbf, int):
            raise InvalidToken("token times are not integers")
        if now >= exp:
            raise InvalidToken("token expired")
        if now < nbf:
            raise InvalidToken("token not yet valid")
        if claims.get("typ") != "access":
            raise InvalidToken("not an access token")
        sub, role, jti = claims.get("sub"), claims.get("role"), claims.get("jti")
        if not isinstance(sub, str) or not sub.isdigit() or not isinstance(role, str):
            raise InvalidToken("token subject invalid")
        if not isinstance(jti, str):
            raise InvalidToken("token id invalid")
        iat, iat_ms = claims.get("iat"), claims.get("iat_ms")
        if not isinstance(iat, int):
            raise InvalidToken("token issue time invalid")
        if not isinstance(iat_ms, int) or iat_ms // 1000 != iat:
            raise InvalidToken("token issue time invalid")
        return AccessClaims(int(sub), role, jti, exp, iat_ms)
