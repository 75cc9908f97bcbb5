"""How long each kind of cached data lives (K1), from ``CacheTTLSettings``."""

from __future__ import annotations

from simbiot.cache.keys import CacheKind, kind_of
from simbiot.config.sections import CacheTTLSettings

__all__ = ["TTLPolicy"]


class TTLPolicy:
    """Map a key (or its kind) to its TTL in seconds."""

    def __init__(self, settings: CacheTTLSettings | None = None) -> None:
        s = settings if settings is not None else CacheTTLSettings()
        self._by_kind: dict[str, int | None] = {
            CacheKind.OHLCV: s.ohlcv,
            CacheKind.MARKETS: s.metadata,
            CacheKind.COINGECKO: s.metadata,
            CacheKind.TICKERS: s.tickers,
            CacheKind.SYMBOLS: s.symbols,
            CacheKind.PROBLEM: s.problem_symbols,
            CacheKind.BALANCE: s.balances,
            CacheKind.XRAY: s.analysis,
            CacheKind.INDICATORS: s.indicators,
            CacheKind.FEATURES: s.indicators,
            CacheKind.SIGNALS: s.signals,
            CacheKind.PREDICTIONS: s.predictions,
            CacheKind.FILTER: s.filters,
            CacheKind.BLACKLIST: s.blacklist,
            # A rate limiter's counter lives exactly one limiter window, which only the
            # limiter knows: it passes that TTL itself.
            CacheKind.RATE_LIMIT: None,
        }
        missing = set(CacheKind) - set(self._by_kind)
        if missing:  # a new kind must be given a TTL decision here
            raise AssertionError(f"no TTL decided for {sorted(missing)}")

    def for_kind(self, kind: CacheKind | str) -> int | None:
        """Return the TTL of ``kind``; None means the caller sets it; KeyError if unknown."""
        try:
            return self._by_kind[CacheKind(kind)]
        except ValueError:
            raise KeyError(f"unknown cache kind {kind!r}") from None

    def for_key(self, key: str) -> int | None:
        """Return the TTL of the kind ``key`` belongs to."""
        return self.for_kind(kind_of(key))
