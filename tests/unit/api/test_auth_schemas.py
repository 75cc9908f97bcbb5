"""The password policy and e-mail check of the auth request bodies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from simbiot.api.schemas.auth import (
    AdminUserPatch,
    PasswordChangeIn,
    RegisterIn,
    check_email,
    check_password_policy,
)


@pytest.mark.parametrize(
    "password",
    ["Correct horse", "correct horse", "abcdefghi1", "ABCDEFGHI!", "пароль-длинный", "  spaced  x"],
)
def test_passwords_meeting_the_policy(password: str) -> None:
    assert check_password_policy(password) == password


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short 1", "10 to 256"),
        ("Aa1" * 86, "10 to 256"),
        ("abcdefghijkl", "at least two"),
        ("ABCDEFGHIJKL", "at least two"),
        ("123456789012", "at least two"),
        ("!!!!!!!!!!!!", "at least two"),
        ("паролибезцифр", "at least two"),
    ],
)
def test_passwords_breaking_the_policy(password: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_password_policy(password)


@pytest.mark.parametrize(
    ("email", "stored"),
    [
        ("Alice@Example.COM", "alice@example.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
    ],
)
def test_plausible_emails(email: str, stored: str) -> None:
    assert check_email(email) == stored


@pytest.mark.parametrize(
    "email",
    [
        "plain",
        "@example.com",
        "a@",
        "a@@example.com",
        "a@example",
        "a b@example.com",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a@-example.com",
        "a@example.c",
        "a@exa_mple.com",
        "x" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
    ],
)
def test_implausible_emails(email: str) -> None:
    with pytest.raises(ValueError, match="e-mail"):
        check_email(email)


def test_register_body_strips_the_email_but_not_the_password() -> None:
    body = RegisterIn.model_validate({"email": "  A@example.com ", "password": " Spaced pass 1 "})
    assert body.email == "a@example.com"
    assert body.password == " Spaced pass 1 "


def test_bodies_refuse_unknown_fields_and_wrong_types() -> None:
    with pytest.raises(ValidationError):
        RegisterIn.model_validate({"email": "a@example.com", "password": "Good pass 1", "x": 1})
    with pytest.raises(ValidationError):
        PasswordChangeIn.model_validate({"current_password": 1, "new_password": "Good pass 1"})
    with pytest.raises(ValidationError):
        AdminUserPatch.model_validate({"role": "superuser"})
    assert AdminUserPatch.model_validate({}) == AdminUserPatch(role=None, is_active=None)
