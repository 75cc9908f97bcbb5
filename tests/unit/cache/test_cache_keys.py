"""Cache key names: exact formats, reversible escaping, kinds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.cache.keys import CacheKeys, CacheKind, escape, kind_of, split, unescape


def test_ohlcv_key_has_the_briefs_exact_format() -> None:
    assert CacheKeys.ohlcv("BTC/USDT", "1h", 1_700_000_000_000) == "ohlcv:BTC/USDT:1h:1700000000000"


def test_colon_in_a_symbol_is_escaped_so_segments_stay_separable() -> None:
    key = CacheKeys.ohlcv("BTC/USDT:USDT", "1m", 0)
    assert key == "ohlcv:BTC/USDT%3AUSDT:1m:0"
    assert split(key) == ["ohlcv", "BTC/USDT:USDT", "1m", "0"]


def test_glob_characters_are_escaped_so_scan_patterns_cannot_widen() -> None:
    key = CacheKeys.blacklist("global", "A*B?[C]\\D")
    assert not any(c in key for c in "*?[]\\")
    assert split(key)[2] == "A*B?[C]\\D"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (CacheKeys.markets("mexc"), "markets:mexc"),
        (CacheKeys.tickers("mexc"), "tickers:mexc"),
        (CacheKeys.symbols_available("mexc"), "symbols:mexc:available"),
        (CacheKeys.symbol_problem("mexc", "AIMMT/USDT"), "problem:mexc:AIMMT/USDT"),
        (CacheKeys.balance(42, "main"), "balance:42:main"),
        (CacheKeys.xray_snapshot("mexc", "1h"), "xray:mexc:1h"),
        (CacheKeys.xray_refresh("mexc", "1h"), "xray:mexc:1h:refresh"),
        (CacheKeys.indicators("mexc", "1h", "ab12"), "indicators:mexc:1h:ab12"),
        (CacheKeys.features("mexc", "1h", "ab12"), "features:mexc:1h:ab12"),
        (CacheKeys.signals("cfg-1"), "signals:cfg-1"),
        (CacheKeys.blacklist(7, "ETH/USDT"), "blacklist:7:ETH/USDT"),
        (CacheKeys.predictions("trend", "mexc", "1h"), "predictions:trend:mexc:1h"),
        (CacheKeys.filter_result("mexc", "1h"), "filter:mexc:1h"),
        (CacheKeys.coingecko_coins(), "coingecko:coins"),
        (CacheKeys.rate_limit("mexc-ip"), "ratelimit:mexc-ip"),
    ],
)
def test_every_key_builder_spells_its_kind_first(key: str, expected: str) -> None:
    assert key == expected
    assert kind_of(key) in {k.value for k in CacheKind}


def test_problem_prefix_matches_exactly_that_exchanges_problem_keys() -> None:
    prefix = CacheKeys.symbol_problems_prefix("mexc")
    assert CacheKeys.symbol_problem("mexc", "X/USDT").startswith(prefix)
    assert not CacheKeys.symbol_problem("mexc2", "X/USDT").startswith(prefix)
    assert CacheKeys.blacklist("global", "X").startswith(CacheKeys.blacklist_prefix("global"))


def test_kind_of_a_foreign_key_is_other() -> None:
    assert kind_of("unrelated:thing") == "other"
    assert kind_of("") == "other"


@settings(deadline=None)
@given(st.text())
def test_escape_is_reversible_and_separator_free(segment: str) -> None:
    escaped = escape(segment)
    assert ":" not in escaped
    assert not any(c.isspace() for c in escaped)
    assert unescape(escaped) == segment


@settings(deadline=None)
@given(st.text(), st.text(), st.text())
def test_split_recovers_every_segment(model: str, exchange: str, timeframe: str) -> None:
    key = CacheKeys.predictions(model, exchange, timeframe)
    assert split(key) == ["predictions", model, exchange, timeframe]


@pytest.mark.parametrize("bad", ["%", "%4", "%ZZ", "a%G1"])
def test_unescape_rejects_malformed_escapes(bad: str) -> None:
    with pytest.raises(ValueError):
        unescape(bad)
