"""Turn ccxt's unified market dicts into ``MarketInfo`` values."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from simbiot.domain.errors import MalformedPayload
from simbiot.domain.market import MarketInfo, MarketStatus

__all__ = ["parse_market", "parse_markets", "to_step"]

log = logging.getLogger(__name__)

DECIMAL_PLACES = 2
SIGNIFICANT_DIGITS = 3
TICK_SIZE = 4


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        # Through str so 0.1 becomes Decimal("0.1"), not its binary expansion.
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def to_step(precision: Any, mode: int) -> Decimal | None:
    """Return the increment a ccxt precision value stands for, or None when unusable."""
    value = _decimal(precision)
    if value is None or value < 0:
        return None
    if mode == TICK_SIZE:
        return value if value > 0 else None
    if mode == DECIMAL_PLACES and value == value.to_integral_value():
        return Decimal(1).scaleb(-int(value))
    return None  # significant digits give no fixed step


def _min(limits: Mapping[str, Any], key: str) -> Decimal:
    entry = limits.get(key) or {}
    value = _decimal(entry.get("min")) if isinstance(entry, Mapping) else None
    return value if value is not None and value > 0 else Decimal(0)


def _api_tradable(info: Mapping[str, Any]) -> bool:
    allowed = info.get("isSpotTradingAllowed")
    if allowed is None:
        return True
    if isinstance(allowed, str):
        return allowed.lower() == "true"
    return bool(allowed)


def parse_market(exchange: str, market: Mapping[str, Any], mode: int) -> MarketInfo | None:
    """Return the ``MarketInfo`` of one ccxt spot market, or None when it is unusable."""
    symbol, base, quote = market.get("symbol"), market.get("base"), market.get("quote")
    if not (isinstance(symbol, str) and isinstance(base, str) and isinstance(quote, str)):
        return None
    if market.get("spot") is False:
        return None
    precision = market.get("precision") or {}
    price_step = to_step(precision.get("price"), mode)
    amount_step = to_step(precision.get("amount"), mode)
    if price_step is None or amount_step is None:
        return None
    limits = market.get("limits") or {}
    info = market.get("info") or {}
    active = market.get("active")
    return MarketInfo(
        exchange=exchange,
        symbol=symbol,
        base=base,
        quote=quote,
        price_step=price_step,
        amount_step=amount_step,
        min_amount=_min(limits, "amount"),
        min_notional=_min(limits, "cost"),
        status=MarketStatus.HALTED if active is False else MarketStatus.TRADING,
        api_tradable=_api_tradable(info) if isinstance(info, Mapping) else True,
        exchange_id=str(market.get("id") or ""),
    )


def parse_markets(exchange: str, markets: Any, mode: int) -> dict[str, MarketInfo]:
    """Return every usable spot market by unified symbol; log and skip the others.

    A list in which no market is usable raises ``MalformedPayload``.
    """
    if not isinstance(markets, Mapping):
        raise MalformedPayload(f"{exchange}: markets are {type(markets).__name__}")
    out: dict[str, MarketInfo] = {}
    unusable: list[str] = []
    for key, market in markets.items():
        parsed = parse_market(exchange, market, mode) if isinstance(market, Mapping) else None
        if parsed is None:
            if not (isinstance(market, Mapping) and market.get("spot") is False):
                unusable.append(str(key))
            continue
        out[parsed.symbol] = parsed
    if unusable and not out:
        raise MalformedPayload(f"{exchange}: all {len(unusable)} markets have unusable metadata")
    if unusable:
        log.warning(
            "%s: %d markets skipped, unusable metadata: %s",
            exchange,
            len(unusable),
            ", ".join(unusable[:20]),
        )
    return out
