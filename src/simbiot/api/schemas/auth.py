"""Request and response bodies of accounts and authentication.

Password policy (registration and password change): 10 to 256 characters, mixing at least
two kinds of characters among lower-case letters, upper-case letters, digits and everything
else (spaces and symbols). Passwords are taken exactly as typed: never trimmed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from simbiot.api.schemas.common import RequestModel, ResponseModel

__all__ = [
    "AdminUserPatch",
    "EntitlementsOut",
    "LoginIn",
    "LogoutIn",
    "MeOut",
    "PasswordChangeIn",
    "PlanOut",
    "RefreshIn",
    "RegisterIn",
    "TokenPairOut",
    "UserOut",
    "check_email",
    "check_password_policy",
]

PASSWORD_MIN = 10
PASSWORD_MAX = 256
EMAIL_MAX = 254
# One "@", a local part without spaces, a domain of dot-separated labels ending in a
# top-level label of at least two letters; the stricter checks are the mail server's.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def check_email(value: str) -> str:
    """Return ``value`` lower-cased if it is a plausible e-mail address."""
    if len(value) > EMAIL_MAX or not _EMAIL.match(value):
        raise ValueError("not a valid e-mail address")
    if ".." in value.split("@", 1)[0] or value.startswith(".") or ".@" in value:
        raise ValueError("not a valid e-mail address")
    return value.lower()


def check_password_policy(value: str) -> str:
    """Return ``value`` if it meets the password policy of the module docstring."""
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise ValueError(f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    kinds = (
        any(c.islower() for c in value),
        any(c.isupper() for c in value),
        any(c.isdigit() for c in value),
        any(not c.isalnum() for c in value),
    )
    if sum(kinds) < 2:
        raise ValueError(
            "a password mixes at least two of: lower case, upper case, digits, other characters"
        )
    return value


Email = Annotated[
    str,
    Field(max_length=EMAIL_MAX, description="E-mail address (stored lower-cased)"),
    AfterValidator(check_email),
]
# Any password up to the policy's length, for checking an existing one.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=PASSWORD_MAX),
]
NewPassword = Annotated[
    str,
    StringConstraints(strip_whitespace=False, max_length=PASSWORD_MAX),
    AfterValidator(check_password_policy),
    Field(
        description=f"{PASSWORD_MIN}-{PASSWORD_MAX} characters mixing at least two of: "
        "lower case, upper case, digits, other characters"
    ),
]
RefreshToken = Annotated[
    str, Field(min_length=1, max_length=4096, description="A refresh token from login or refresh")
]


class RegisterIn(RequestModel):
    """A new account."""

    email: Email
    password: NewPassword


class LoginIn(RequestModel):
    """Credentials for a new session."""

    email: Annotated[str, Field(min_length=1, max_length=EMAIL_MAX)]
    password: Password


class RefreshIn(RequestModel):
    """A refresh token to exchange for a new pair."""

    refresh_token: RefreshToken


class LogoutIn(RequestModel):
    """The refresh token of the session to end."""

    refresh_token: RefreshToken


class PasswordChangeIn(RequestModel):
    """The current password and its replacement."""

    current_password: Password
    new_password: NewPassword


class AdminUserPatch(RequestModel):
    """Fields an administrator may change; absent ones stay as they are."""

    role: Literal["user", "admin"] | None = None
    is_active: bool | None = None


class TokenPairOut(ResponseModel):
    """An access token for requests and a refresh token for the next pair."""

    access_token: str = Field(description="JWT for the Authorization: Bearer header")
    refresh_token: str = Field(description="Opaque; single use: each refresh returns a new one")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    expires_in: int = Field(description="Seconds the access token stays valid")
    refresh_expires_in: int = Field(description="Seconds the refresh token stays valid")


class UserOut(ResponseModel):
    """An account as its owner and administrators see it."""

    id: int
    email: str
    role: Literal["user", "admin"]
    is_active: bool
    created_at: datetime


class EntitlementsOut(ResponseModel):
    """What the plan allows."""

    max_bots: int
    live_trading: bool
    max_symbols: int
    strategies: list[str] = Field(description='Strategies allowed ("*" = all)')
    ml_features: bool
    backtests_per_day: int
    api_rate_per_minute: int
    xray_top: int


class PlanOut(ResponseModel):
    """The plan in force now."""

    name: str
    valid_until: datetime | None = Field(description="None on the default plan")
    entitlements: EntitlementsOut


class MeOut(ResponseModel):
    """The caller's account and plan."""

    id: int
    email: str
    role: Literal["user", "admin"]
    created_at: datetime
    plan: PlanOut
