"""Cache form of market metadata: JSON with decimals as strings (exact, D5)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from simbiot.cache.codec import decode_json, encode_json
from simbiot.domain.errors import DataError
from simbiot.domain.market import MarketInfo, MarketStatus

__all__ = ["decode_markets", "encode_markets"]

_SCHEMA = 1


def _market_doc(m: MarketInfo) -> dict[str, Any]:
    return {
        "exchange": m.exchange,
        "symbol": m.symbol,
        "base": m.base,
        "quote": m.quote,
        "price_step": str(m.price_step),
        "amount_step": str(m.amount_step),
        "min_amount": str(m.min_amount),
        "min_notional": str(m.min_notional),
        "status": m.status.value,
        "api_tradable": m.api_tradable,
        "exchange_id": m.exchange_id,
        "extra": dict(m.extra),
    }


def _market(doc: Any) -> MarketInfo:
    try:
        return MarketInfo(
            exchange=str(doc["exchange"]),
            symbol=str(doc["symbol"]),
            base=str(doc["base"]),
            quote=str(doc["quote"]),
            price_step=Decimal(doc["price_step"]),
            amount_step=Decimal(doc["amount_step"]),
            min_amount=Decimal(doc["min_amount"]),
            min_notional=Decimal(doc["min_notional"]),
            status=MarketStatus(doc["status"]),
            api_tradable=bool(doc["api_tradable"]),
            exchange_id=str(doc["exchange_id"]),
            extra={str(k): str(v) for k, v in dict(doc["extra"]).items()},
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise DataError(f"cached market is malformed: {exc!r}") from exc


def encode_markets(markets: dict[str, MarketInfo], *, updated_ms: int) -> bytes:
    """Encode markets by symbol for the cache."""
    return encode_json(
        {
            "schema": _SCHEMA,
            "updated_ms": updated_ms,
            "markets": [_market_doc(m) for m in markets.values()],
        }
    )


def decode_markets(raw: bytes) -> dict[str, MarketInfo]:
    """Decode :func:`encode_markets` output; raise DataError on anything else."""
    doc = decode_json(raw)
    if not isinstance(doc, dict) or doc.get("schema") != _SCHEMA:
        raise DataError("cached markets have an unknown schema")
    items = doc.get("markets")
    if not isinstance(items, list):
        raise DataError("cached markets: 'markets' is not a list")
    out = {}
    for item in items:
        m = _market(item)
        out[m.symbol] = m
    return out
