"""Parsing what a venue says about a key, and which venues can tell."""

from __future__ import annotations

from typing import Any

import pytest

from simbiot.domain.errors import MalformedPayload
from simbiot.exchange.capabilities import VENUES, Endpoint
from simbiot.exchange.ccxt.trading import CcxtTrading
from simbiot.exchange.permissions import (
    FixedKeyPermissions,
    KeyPermissions,
    Permission,
    parse_binance_restrictions,
    permission_query,
)
from simbiot.exchange.ports import KeyPermissionsPort


def test_binance_answer_is_parsed() -> None:
    raw = {"enableReading": True, "enableWithdrawals": True, "enableSpotAndMarginTrading": False}
    perms = parse_binance_restrictions(raw)
    assert perms == KeyPermissions(Permission.YES, Permission.NO, Permission.YES)
    assert perms.can_withdraw


def test_a_missing_flag_is_unknown_not_refused() -> None:
    perms = parse_binance_restrictions({"enableReading": True})
    assert perms.withdraw is Permission.UNKNOWN
    assert not perms.can_withdraw


@pytest.mark.parametrize(
    "raw", [[], "yes", None, {"enableWithdrawals": "false"}, {"enableWithdrawals": 1}]
)
def test_a_misshapen_answer_is_malformed(raw: Any) -> None:
    with pytest.raises(MalformedPayload):
        parse_binance_restrictions(raw)


def test_only_binance_tells_and_every_venue_weighs_the_query() -> None:
    query = permission_query("binance")
    assert query is not None
    assert query.method == "sapiGetAccountApiRestrictions"
    assert permission_query("mexc") is None
    assert permission_query("bybit") is None
    assert all(caps.weight(Endpoint.KEY_PERMISSIONS) >= 1 for caps in VENUES.values())


async def test_the_ccxt_adapter_and_the_twin_are_key_permission_ports() -> None:
    twin = FixedKeyPermissions(KeyPermissions(Permission.YES, Permission.NO, Permission.YES))
    assert isinstance(twin, KeyPermissionsPort)
    assert (await twin.key_permissions()).can_withdraw
    assert callable(getattr(CcxtTrading, "key_permissions", None))
