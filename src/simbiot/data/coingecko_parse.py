"""Parsing of CoinGecko payloads: every item checked on its own (D1).

The old bot died with ``string indices must be integers`` when an item was a string where
an object belongs; here such an item is rejected with one clear log line and the rest of
the page is kept.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from simbiot.domain.errors import MalformedPayload

__all__ = ["CoinGeckoCoin", "parse_categories", "parse_coins"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CoinGeckoCoin:
    """One coin as CoinGecko lists it."""

    id: str
    symbol: str  # lower case, as CoinGecko spells it
    name: str
    market_cap: float | None = None
    rank: int | None = None
    categories: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (the cache's form)."""
        return {
            "id": self.id,
            "symbol": self.symbol,
            "name": self.name,
            "market_cap": self.market_cap,
            "market_cap_rank": self.rank,
            "categories": list(self.categories),
        }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise MalformedPayload(f"field {key!r} is {type(value).__name__}, expected a string")
    return value.strip()


def _coin(item: Any) -> CoinGeckoCoin:
    if not isinstance(item, dict):
        raise MalformedPayload(f"expected an object, got {type(item).__name__} {item!r:.60}")
    rank = item.get("market_cap_rank")
    cats = item.get("categories")
    categories = (
        tuple(c for c in cats if isinstance(c, str) and c) if isinstance(cats, list) else ()
    )
    return CoinGeckoCoin(
        id=_text(item, "id"),
        symbol=_text(item, "symbol").lower(),
        name=_text(item, "name"),
        market_cap=_number(item.get("market_cap")),
        rank=rank if isinstance(rank, int) and not isinstance(rank, bool) and rank > 0 else None,
        categories=categories,
    )


def parse_coins(payload: Any, *, source: str = "coins/markets") -> tuple[list[CoinGeckoCoin], int]:
    """Return the well-formed coins of a list payload and how many items were rejected.

    Raise MalformedPayload only when the payload as a whole is not a list.
    """
    if not isinstance(payload, list):
        raise MalformedPayload(f"coingecko {source}: expected a list, got {type(payload).__name__}")
    coins: list[CoinGeckoCoin] = []
    rejected = 0
    for i, item in enumerate(payload):
        try:
            coins.append(_coin(item))
        except MalformedPayload as exc:
            rejected += 1
            log.warning("coingecko %s: item %d rejected: %s", source, i, exc)
    return coins, rejected


def parse_categories(payload: Any) -> tuple[str, ...]:
    """Return the categories of a ``/coins/{id}`` payload (empty when absent)."""
    if not isinstance(payload, dict):
        raise MalformedPayload(f"coingecko coin: expected an object, got {type(payload).__name__}")
    cats = payload.get("categories")
    if cats is None:
        return ()
    if not isinstance(cats, list):
        raise MalformedPayload(f"coingecko coin: categories is {type(cats).__name__}")
    return tuple(c for c in cats if isinstance(c, str) and c)
