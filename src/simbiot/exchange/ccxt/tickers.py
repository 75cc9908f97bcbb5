"""Turn ccxt's unified tickers into ``Ticker`` values, skipping malformed ones."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

from simbiot.domain.errors import MalformedPayload
from simbiot.domain.market import Ticker

__all__ = ["parse_ticker", "parse_tickers"]

log = logging.getLogger(__name__)


def _opt(value: Any) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, Real):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def parse_ticker(raw: Any, now_ms: int) -> Ticker | None:
    """Return the ``Ticker`` of one ccxt ticker dict, or None when unusable."""
    if not isinstance(raw, Mapping):
        return None
    symbol = raw.get("symbol")
    last = _opt(raw.get("last"))
    if last is None:
        last = _opt(raw.get("close"))
    if not isinstance(symbol, str) or last is None or last <= 0:
        return None
    ts = raw.get("timestamp")
    timestamp = int(ts) if isinstance(ts, int | float) and not isinstance(ts, bool) else now_ms
    return Ticker(
        symbol=symbol,
        timestamp=timestamp,
        last=last,
        bid=_opt(raw.get("bid")),
        ask=_opt(raw.get("ask")),
        base_volume=_opt(raw.get("baseVolume")),
        quote_volume=_opt(raw.get("quoteVolume")),
        change_pct=_opt(raw.get("percentage")),
    )


def parse_tickers(raw: Any, *, exchange: str, now_ms: int) -> dict[str, Ticker]:
    """Return tickers by symbol, skipping malformed ones.

    A response that is not a mapping, or whose tickers are all malformed, raises
    ``MalformedPayload``.
    """
    if not isinstance(raw, Mapping):
        raise MalformedPayload(f"{exchange}: tickers response is {type(raw).__name__}")
    out: dict[str, Ticker] = {}
    skipped = []
    for key, item in raw.items():
        ticker = parse_ticker(item, now_ms)
        if ticker is None:
            skipped.append(str(key))
            continue
        out[ticker.symbol] = ticker
    if skipped and not out:
        raise MalformedPayload(f"{exchange}: all {len(skipped)} tickers malformed")
    if skipped:
        log.warning(
            "%s: %d malformed tickers skipped: %s", exchange, len(skipped), ", ".join(skipped[:20])
        )
    return out
