"""Access tokens: the algorithm is pinned and every claim is checked on the injected clock."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from simbiot.domain.clock import LiveClock, SimulatedClock
from simbiot.domain.errors import SecurityError
from simbiot.security.tokens import InvalidToken, TokenService

SECRET = "s" * 64
START_MS = 1_800_000_000_000


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START_MS)


@pytest.fixture
def tokens(clock: SimulatedClock) -> TokenService:
    return TokenService(
        secret=SECRET, issuer="simbiot", audience="simbiot-api", ttl_s=900, clock=clock
    )


def _claims(**override: Any) -> dict[str, Any]:
    now = START_MS // 1000
    claims: dict[str, Any] = {
        "sub": "7",
        "role": "user",
        "typ": "access",
        "iss": "simbiot",
        "aud": "simbiot-api",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": "j1",
        "iat_ms": now * 1000,
    }
    claims.update(override)
    if isinstance(override.get("iat"), int) and "iat_ms" not in override:
        claims["iat_ms"] = override["iat"] * 1000
    return {k: v for k, v in claims.items() if v is not None}


def test_issued_tokens_verify_until_they_expire(
    tokens: TokenService, clock: SimulatedClock
) -> None:
    token = tokens.issue(7, "admin")
    claims = tokens.verify(token)
    assert (claims.user_id, claims.role) == (7, "admin")
    assert claims.expires_at_s == START_MS // 1000 + 900
    clock.advance(899)
    assert tokens.verify(token).user_id == 7
    clock.advance(1)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)


def test_a_clock_ahead_of_the_wall_clock_issues_usable_tokens() -> None:
    ahead = SimulatedClock(LiveClock().now_ms() + 3_600_000)
    service = TokenService(
        secret=SECRET, issuer="simbiot", audience="simbiot-api", ttl_s=900, clock=ahead
    )
    assert service.verify(service.issue(3, "user")).user_id == 3


def test_each_token_has_its_own_id(tokens: TokenService) -> None:
    assert (
        tokens.verify(tokens.issue(1, "user")).token_id
        != tokens.verify(tokens.issue(1, "user")).token_id
    )


def test_a_short_secret_is_refused(clock: SimulatedClock) -> None:
    with pytest.raises(SecurityError, match="at least 32 bytes"):
        TokenService(secret="short", issuer="i", audience="a", ttl_s=60, clock=clock)


def _rs256() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(), key, algorithm="RS256")


ATTACKS: dict[str, tuple[str, str]] = {
    "alg-none": (jwt.encode(_claims(), None, algorithm="none"), "algorithm"),
    "hs512": (jwt.encode(_claims(), SECRET, algorithm="HS512"), "algorithm"),
    "wrong-key": (jwt.encode(_claims(), "w" * 48, algorithm="HS256"), "signature"),
    "wrong-audience": (jwt.encode(_claims(aud="other"), SECRET, algorithm="HS256"), "claims"),
    "wrong-issuer": (jwt.encode(_claims(iss="other"), SECRET, algorithm="HS256"), "claims"),
    "no-jti": (jwt.encode(_claims(jti=None), SECRET, algorithm="HS256"), "claims"),
    "no-expiry": (jwt.encode(_claims(exp=None), SECRET, algorithm="HS256"), "claims"),
    "expired": (
        jwt.encode(_claims(exp=START_MS // 1000 - 1), SECRET, algorithm="HS256"),
        "expired",
    ),
    "future": (
        jwt.encode(_claims(nbf=START_MS // 1000 + 60), SECRET, algorithm="HS256"),
        "not yet valid",
    ),
    "float-times": (
        jwt.encode(_claims(exp=START_MS / 1000 + 60.5), SECRET, algorithm="HS256"),
        "integers",
    ),
    "refresh-type": (jwt.encode(_claims(typ="refresh"), SECRET, algorithm="HS256"), "access"),
    "non-numeric-subject": (jwt.encode(_claims(sub="admin"), SECRET, algorithm="HS256"), "subject"),
    "garbage": ("garbage", "malformed"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_forged_and_misused_tokens_are_refused(tokens: TokenService, attack: str) -> None:
    token, reason = ATTACKS[attack]
    with pytest.raises(InvalidToken, match=reason):
        tokens.verify(token)


def test_rs256_tokens_are_refused(tokens: TokenService) -> None:
    with pytest.raises(InvalidToken, match="algorithm"):
        tokens.verify(_rs256())


def test_a_tampered_payload_breaks_the_signature(tokens: TokenService) -> None:
    header, payload, signature = tokens.issue(7, "user").split(".")
    forged_payload = jwt.encode(_claims(sub="8", role="admin"), SECRET, "HS256").split(".")[1]
    assert forged_payload != payload
    with pytest.raises(InvalidToken, match="signature"):
        tokens.verify(f"{header}.{forged_payload}.{signature}")


def test_issue_time_in_milliseconds_is_required_and_consistent(tokens: TokenService) -> None:
    """The millisecond issue time orders a token against a revocation; it must be there and
    agree with ``iat``."""
    for claims in (_claims(iat_ms=None), _claims(iat_ms=(START_MS // 1000 + 5) * 1000)):
        token = jwt.encode(claims, SECRET, algorithm="HS256")
        with pytest.raises(InvalidToken):
            tokens.verify(token)


def test_claims_carry_the_issue_time_in_milliseconds(tokens: TokenService) -> None:
    assert tokens.verify(tokens.issue(7, "user")).issued_at_ms == START_MS
