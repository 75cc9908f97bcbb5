"""TTL per kind of cached data."""

from __future__ import annotations

import pytest

from simbiot.cache.keys import CacheKeys, CacheKind
from simbiot.cache.ttl import TTLPolicy
from simbiot.config.sections import CacheTTLSettings


def test_brief_ttls_ohlcv_a_day_metadata_a_week_problem_symbols_a_day() -> None:
    policy = TTLPolicy()
    assert policy.for_key(CacheKeys.ohlcv("BTC/USDT", "1h", 0)) == 86_400
    assert policy.for_key(CacheKeys.markets("mexc")) == 604_800
    assert policy.for_key(CacheKeys.symbol_problem("mexc", "X/USDT")) == 86_400
    assert policy.for_key(CacheKeys.symbols_available("mexc")) == 86_400


def test_settings_drive_the_policy() -> None:
    policy = TTLPolicy(CacheTTLSettings(balances=5, indicators=60))
    assert policy.for_key(CacheKeys.balance(1, "main")) == 5
    assert policy.for_kind(CacheKind.FEATURES) == 60
    assert policy.for_kind("indicators") == 60


def test_every_kind_has_a_decision_and_rate_limits_are_left_to_the_limiter() -> None:
    policy = TTLPolicy()
    for kind in CacheKind:
        ttl = policy.for_kind(kind)
        assert ttl is None if kind is CacheKind.RATE_LIMIT else ttl is not None and ttl > 0


def test_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        TTLPolicy().for_key("nonsense:key")
