"""Topic names: dot-separated segments, general to specific (``candles.closed.mexc.1h``).

Variable segments (exchange, timeframe, ids) may not contain ``.``, whitespace or the
glob characters ``* ? [ ]``, so a topic always splits back into the values it was built
from. :func:`family` drops the variable segments; it labels metrics, because a user id in
a metric label would create one time series per user.
"""

from __future__ import annotations

import re

__all__ = [
    "FAMILIES",
    "SEVERITIES",
    "alerts",
    "candles_closed",
    "dead_letter",
    "family",
    "orders",
    "signals",
    "validate",
    "xray_snapshot",
]

SEVERITIES = ("info", "warning", "critical")
# Fixed leading segments of each family; the rest of a topic is variable.
FAMILIES = ("candles.closed", "xray.snapshot", "signals", "orders", "alerts", "deadletter")
_SEGMENT = re.compile(r"^[^.\s*?\[\]]+$")


def _segment(value: str | int, what: str) -> str:
    text = str(value)
    if not _SEGMENT.match(text):
        raise ValueError(f"invalid {what} for a topic segment: {text!r}")
    return text


def candles_closed(exchange: str, timeframe: str) -> str:
    """Topic of closed-candle batches of one exchange and timeframe."""
    return f"candles.closed.{_segment(exchange, 'exchange')}.{_segment(timeframe, 'timeframe')}"


def xray_snapshot(exchange: str, timeframe: str) -> str:
    """Topic of X-ray snapshots of one exchange and timeframe."""
    return f"xray.snapshot.{_segment(exchange, 'exchange')}.{_segment(timeframe, 'timeframe')}"


def signals(config_id: str | int) -> str:
    """Topic of the signals of one strategy configuration."""
    return f"signals.{_segment(config_id, 'config id')}"


def orders(user_id: str | int) -> str:
    """Topic of one user's order events."""
    return f"orders.{_segment(user_id, 'user id')}"


def alerts(severity: str) -> str:
    """Topic of alerts of one severity (``info``, ``warning``, ``critical``)."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown alert severity {severity!r}; expected one of {SEVERITIES}")
    return f"alerts.{severity}"


def dead_letter(topic: str) -> str:
    """Topic where messages of ``topic`` that kept failing are parked for inspection."""
    return "deadletter." + validate(topic)


def family(topic: str) -> str:
    """Return the topic's family (``orders.42`` → ``orders``), or ``other``."""
    for fam in FAMILIES:
        if topic == fam or topic.startswith(fam + "."):
            return fam
    return "other"


def validate(topic: str) -> str:
    """Return ``topic`` if every segment is well formed; raise ValueError otherwise."""
    for part in topic.split("."):
        _segment(part, "segment")
    return topic
