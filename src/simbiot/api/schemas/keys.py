"""Request and response bodies of ``/keys``: exchange API keys, shown masked only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, SecretStr

from simbiot.api.schemas.common import RequestModel, ResponseModel

__all__ = ["KeyCreatedOut", "KeyIn", "KeyOut"]

Venue = Literal["mexc", "binance", "bybit"]
WithdrawPermission = Literal["no", "unknown"]


class KeyIn(RequestModel):
    """A new exchange API key; it is checked with the venue, then stored encrypted."""

    exchange: Venue = Field(description="The venue the key belongs to")
    label: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[\w .@-]+$",
        description="A name to tell the user's keys apart (unique per exchange)",
    )
    api_key: SecretStr = Field(min_length=8, max_length=256, description="The API key")
    secret: SecretStr = Field(min_length=8, max_length=512, description="The API secret")
    passphrase: SecretStr | None = Field(
        None, min_length=1, max_length=256, description="The passphrase, on venues that use one"
    )


class KeyOut(ResponseModel):
    """A stored key: never the key itself, only its last four characters."""

    id: int
    exchange: str
    label: str
    api_key_last4: str = Field(description="The last four characters of the API key")
    created_at: datetime


class KeyCreatedOut(KeyOut):
    """A key just stored, with what the venue said about its withdraw permission."""

    withdraw_permission: WithdrawPermission = Field(
        description='"no" when the venue confirmed the key cannot withdraw, "unknown" when '
        "the venue does not tell (keys that can withdraw are refused)"
    )
