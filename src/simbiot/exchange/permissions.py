"""What an API key may do, as the venue reports it, and how each venue is asked.

Only some venues tell a key's own permissions. Binance answers
``GET /sapi/v1/account/apiRestrictions`` (``enableWithdrawals`` among others). MEXC's spot v3
API and Bybit's v5 API have no documented route that tells whether the calling key itself may
withdraw (MEXC's ``canWithdraw`` on ``/api/v3/account`` describes the account, not the key):
for them the answer is "unknown".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from simbiot.domain.errors import MalformedPayload

__all__ = [
    "PERMISSION_QUERIES",
    "FixedKeyPermissions",
    "KeyPermissions",
    "Permission",
    "PermissionQuery",
    "parse_binance_restrictions",
    "permission_query",
]


class Permission(StrEnum):
    """One permission of a key: granted, refused, or not told by the venue."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, value: bool | None) -> Permission:
        """Map a venue's boolean (None: not told) to a permission."""
        if value is None:
            return cls.UNKNOWN
        return cls.YES if value else cls.NO


@dataclass(frozen=True, slots=True)
class KeyPermissions:
    """The permissions of one API key as reported by its venue."""

    withdraw: Permission
    trade: Permission
    read: Permission

    @classmethod
    def unknown(cls) -> KeyPermissions:
        """What is known about a key on a venue that does not tell: nothing."""
        return cls(Permission.UNKNOWN, Permission.UNKNOWN, Permission.UNKNOWN)

    @property
    def can_withdraw(self) -> bool:
        """Whether the venue said the key may withdraw funds."""
        return self.withdraw is Permission.YES


def _flag(raw: Mapping[str, Any], name: str) -> bool | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise MalformedPayload(f"key permissions: {name} is {type(value).__name__}, not a bool")
    return value


def parse_binance_restrictions(raw: Any) -> KeyPermissions:
    """Parse Binance's ``apiRestrictions`` answer; a missing withdraw flag is "unknown"."""
    if not isinstance(raw, Mapping):
        raise MalformedPayload(f"key permissions: expected an object, got {type(raw).__name__}")
    return KeyPermissions(
        withdraw=Permission.of(_flag(raw, "enableWithdrawals")),
        trade=Permission.of(_flag(raw, "enableSpotAndMarginTrading")),
        read=Permission.of(_flag(raw, "enableReading")),
    )


@dataclass(frozen=True, slots=True)
class PermissionQuery:
    """The ccxt method that asks a venue about the calling key, and its answer's parser."""

    method: str
    parse: Callable[[Any], KeyPermissions]


PERMISSION_QUERIES: Mapping[str, PermissionQuery] = MappingProxyType(
    {"binance": PermissionQuery("sapiGetAccountApiRestrictions", parse_binance_restrictions)}
)


def permission_query(venue: str) -> PermissionQuery | None:
    """Return how ``venue`` is asked about a key, or None when it cannot tell."""
    return PERMISSION_QUERIES.get(venue)


class FixedKeyPermissions:
    """The in-memory twin of ``KeyPermissionsPort``: answers the permissions it was given."""

    def __init__(self, permissions: KeyPermissions) -> None:
        self._permissions = permissions

    async def key_permissions(self) -> KeyPermissions:
        """Return the permissions given at construction."""
        return self._permissions
