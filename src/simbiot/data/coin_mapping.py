"""Map exchange markets to CoinGecko coins by more than the ticker.

A ticker alone is ambiguous (several coins call themselves "ai"). Rules, in order:

1. an explicit override (base asset → CoinGecko id) wins;
2. candidates are the coins whose symbol equals the base asset (case-insensitive);
3. when the venue gives the asset's name, only candidates whose name is similar
   (≥ ``min_similarity``) qualify, and the largest market cap among them wins;
4. without a name, a single candidate is taken (marked ``symbol-only``); several are left
   unmapped rather than guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from simbiot.data.coingecko_parse import CoinGeckoCoin
from simbiot.domain.market import MarketInfo

__all__ = ["CoinMatch", "map_markets", "market_name", "name_similarity"]

_NOISE = re.compile(r"\b(token|coin|network|protocol|finance|the)\b")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NAME_KEYS = ("name", "fullName", "full_name", "base_name")


@dataclass(frozen=True, slots=True)
class CoinMatch:
    """The CoinGecko coin a market was mapped to, and how."""

    coin: CoinGeckoCoin
    method: str  # "override" | "name" | "symbol-only"


def _normal(name: str) -> str:
    return _NON_ALNUM.sub("", _NOISE.sub(" ", name.lower()))


def name_similarity(a: str, b: str) -> float:
    """Return 0..1: how alike two asset names are, ignoring case, punctuation and filler words."""
    x, y = _normal(a), _normal(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    if len(x) >= 4 and len(y) >= 4 and (x in y or y in x):
        return 0.9
    return SequenceMatcher(None, x, y).ratio()


def market_name(market: MarketInfo) -> str | None:
    """Return the asset's full name when the venue gave one."""
    for key in _NAME_KEYS:
        value = market.extra.get(key)
        if value:
            return value
    return None


def map_markets(
    markets: Iterable[MarketInfo],
    coins: Iterable[CoinGeckoCoin],
    *,
    overrides: Mapping[str, str] | None = None,
    min_similarity: float = 0.75,
) -> dict[str, CoinMatch]:
    """Return the coin of each market that can be mapped with confidence, by symbol."""
    by_symbol: dict[str, list[CoinGeckoCoin]] = defaultdict(list)
    by_id: dict[str, CoinGeckoCoin] = {}
    for coin in coins:
        by_symbol[coin.symbol.lower()].append(coin)
        by_id[coin.id] = coin
    forced = {k.upper(): v for k, v in (overrides or {}).items()}
    out: dict[str, CoinMatch] = {}
    for market in markets:
        base = market.base.upper()
        if base in forced:
            forced_coin = by_id.get(forced[base])
            if forced_coin is not None:
                out[market.symbol] = CoinMatch(forced_coin, "override")
            continue
        candidates = by_symbol.get(base.lower(), [])
        if not candidates:
            continue
        name = market_name(market)
        if name is None:
            if len(candidates) == 1:
                out[market.symbol] = CoinMatch(candidates[0], "symbol-only")
            continue
        alike = [c for c in candidates if name_similarity(name, c.name) >= min_similarity]
        if alike:
            best = max(alike, key=lambda c: c.market_cap or 0.0)
            out[market.symbol] = CoinMatch(best, "name")
    return out
