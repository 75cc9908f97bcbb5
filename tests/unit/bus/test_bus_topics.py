"""Topic grammar."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.bus import topics


def test_topic_builders() -> None:
    assert topics.candles_closed("mexc", "1h") == "candles.closed.mexc.1h"
    assert topics.xray_snapshot("binance", "15m") == "xray.snapshot.binance.15m"
    assert topics.signals("cfg-7") == "signals.cfg-7"
    assert topics.orders(42) == "orders.42"
    assert topics.alerts("critical") == "alerts.critical"
    assert topics.dead_letter("orders.42") == "deadletter.orders.42"


@pytest.mark.parametrize("bad", ["", "a.b", "a b", "a*", "x?", "[y]", "tab\t"])
def test_bad_segments_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        topics.candles_closed(bad, "1h")
    with pytest.raises(ValueError):
        topics.orders(bad)


def test_unknown_alert_severity_is_refused() -> None:
    with pytest.raises(ValueError):
        topics.alerts("panic")


@pytest.mark.parametrize(
    ("topic", "family"),
    [
        ("candles.closed.mexc.1h", "candles.closed"),
        ("xray.snapshot.mexc.1h", "xray.snapshot"),
        ("signals.abc", "signals"),
        ("orders.17", "orders"),
        ("alerts.info", "alerts"),
        ("deadletter.orders.1", "deadletter"),
        ("ordersx.1", "other"),
        ("misc", "other"),
    ],
)
def test_family_drops_variable_segments(topic: str, family: str) -> None:
    assert topics.family(topic) == family


@settings(deadline=None)
@given(st.text(min_size=1).filter(lambda s: "." not in s))
def test_a_built_topic_splits_back_into_its_id(user_id: str) -> None:
    try:
        topic = topics.orders(user_id)
    except ValueError:
        return
    assert topic.split(".") == ["orders", user_id]
    assert topics.validate(topic) == topic
