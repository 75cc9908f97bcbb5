"""Cache key names: the only place in Simbiot where they are spelled.

A key is ``<kind>:<segment>:<segment>…``. Its first segment is its :class:`CacheKind`, which
decides the TTL (``simbiot.cache.ttl``) and labels cache metrics.

Escaping: ``:`` separates segments and the Redis ``SCAN MATCH`` glob gives ``* ? [ ] \\``
a meaning, so inside a segment those characters, ``%`` itself, whitespace and control
characters are percent-encoded (``BTC/USDT:USDT`` → ``BTC/USDT%3AUSDT``). Every other
character, ``/`` included, is kept, so ``ohlcv:BTC/USDT:1h:1700000000000`` reads exactly as
the data brief spells it. :func:`unescape` reverses :func:`escape` for every string.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CacheKeys", "CacheKind", "escape", "kind_of", "split", "unescape"]

SEP = ":"
_UNSAFE = frozenset(":%*?[]\\")


class CacheKind(StrEnum):
    """The kinds of cached data; each is a key's first segment."""

    OHLCV = "ohlcv"
    MARKETS = "markets"
    TICKERS = "tickers"
    SYMBOLS = "symbols"
    PROBLEM = "problem"
    BALANCE = "balance"
    XRAY = "xray"
    INDICATORS = "indicators"
    FEATURES = "features"
    SIGNALS = "signals"
    BLACKLIST = "blacklist"
    PREDICTIONS = "predictions"
    FILTER = "filter"
    COINGECKO = "coingecko"
    RATE_LIMIT = "ratelimit"


def escape(segment: str) -> str:
    """Percent-encode the characters that would break a key segment."""
    if not any(c in _UNSAFE or c.isspace() or not c.isprintable() for c in segment):
        return segment
    out = []
    for c in segment:
        if c in _UNSAFE or c.isspace() or not c.isprintable():
            out.append("".join(f"%{b:02X}" for b in c.encode("utf-8")))
        else:
            out.append(c)
    return "".join(out)


def unescape(segment: str) -> str:
    """Reverse :func:`escape`; raise ValueError on a malformed escape."""
    if "%" not in segment:
        return segment
    raw = bytearray()
    i = 0
    while i < len(segment):
        c = segment[i]
        if c == "%":
            hex_part = segment[i + 1 : i + 3]
            if len(hex_part) != 2 or not all(h in "0123456789ABCDEFabcdef" for h in hex_part):
                raise ValueError(f"bad escape at {i} in key segment {segment!r}")
            raw.append(int(hex_part, 16))
            i += 3
        else:
            raw.extend(c.encode("utf-8"))
            i += 1
    return raw.decode("utf-8")


def split(key: str) -> list[str]:
    """Return a key's segments, unescaped."""
    return [unescape(s) for s in key.split(SEP)]


def kind_of(key: str) -> str:
    """Return a key's kind (its first segment), or ``"other"`` for a foreign key."""
    head = key.split(SEP, 1)[0]
    return head if head in CacheKind._value2member_map_ else "other"


def _key(kind: CacheKind, *segments: str | int) -> str:
    return SEP.join([kind.value, *(escape(str(s)) for s in segments)])


class CacheKeys:
    """Builders of every cache key. Stateless: call them on the class."""

    @staticmethod
    def ohlcv(symbol: str, timeframe: str, since_ms: int) -> str:
        """Candle window of ``symbol`` from ``since_ms``: ``ohlcv:<symbol>:<tf>:<since>`` (D2)."""
        return _key(CacheKind.OHLCV, symbol, timeframe, int(since_ms))

    @staticmethod
    def markets(exchange: str) -> str:
        """Market metadata of one exchange (D5)."""
        return _key(CacheKind.MARKETS, exchange)

    @staticmethod
    def tickers(exchange: str) -> str:
        """Latest tickers of one exchange."""
        return _key(CacheKind.TICKERS, exchange)

    @staticmethod
    def symbols_available(exchange: str) -> str:
        """The available-symbols list of one exchange (G10, F4)."""
        return _key(CacheKind.SYMBOLS, exchange, "available")

    @staticmethod
    def symbol_problem(exchange: str, symbol: str) -> str:
        """A quarantined (problem) symbol's record (G10, F4)."""
        return _key(CacheKind.PROBLEM, exchange, symbol)

    @staticmethod
    def symbol_problems_prefix(exchange: str) -> str:
        """Prefix to ``scan`` for every problem symbol of one exchange."""
        return _key(CacheKind.PROBLEM, exchange) + SEP

    @staticmethod
    def balance(user_id: str | int, account_ref: str) -> str:
        """A user's cached balance on one exchange account (R5)."""
        return _key(CacheKind.BALANCE, user_id, account_ref)

    @staticmethod
    def xray_snapshot(exchange: str, timeframe: str) -> str:
        """The latest X-ray snapshot of one exchange and timeframe (A1)."""
        return _key(CacheKind.XRAY, exchange, timeframe)

    @staticmethod
    def xray_refresh(exchange: str, timeframe: str) -> str:
        """Claim of the on-demand X-ray refresh of one exchange and timeframe: the first
        reader to increment it runs the analysis, once per TTL for every API process."""
        return _key(CacheKind.XRAY, exchange, timeframe, "refresh")

    @staticmethod
    def indicators(exchange: str, timeframe: str, digest: str) -> str:
        """Indicator arrays for one parameter set (``digest``) (I1, S3)."""
        return _key(CacheKind.INDICATORS, exchange, timeframe, digest)

    @staticmethod
    def features(exchange: str, timeframe: str, digest: str) -> str:
        """Feature arrays for one feature set (``digest``) (I3, L1)."""
        return _key(CacheKind.FEATURES, exchange, timeframe, digest)

    @staticmethod
    def signals(config_id: str) -> str:
        """The latest signals of one strategy configuration."""
        return _key(CacheKind.SIGNALS, config_id)

    @staticmethod
    def blacklist(scope: str | int, symbol: str) -> str:
        """A blacklist entry; ``scope`` is ``"global"`` or a user id (S4)."""
        return _key(CacheKind.BLACKLIST, scope, symbol)

    @staticmethod
    def blacklist_prefix(scope: str | int) -> str:
        """Prefix to ``scan`` for every blacklisted symbol of one scope."""
        return _key(CacheKind.BLACKLIST, scope) + SEP

    @staticmethod
    def predictions(model: str, exchange: str, timeframe: str) -> str:
        """One model's latest batch of predictions (P3, L3)."""
        return _key(CacheKind.PREDICTIONS, model, exchange, timeframe)

    @staticmethod
    def filter_result(exchange: str, timeframe: str) -> str:
        """The symbol filter's latest result (F2)."""
        return _key(CacheKind.FILTER, exchange, timeframe)

    @staticmethod
    def coingecko_coins() -> str:
        """CoinGecko's coin list (D1)."""
        return _key(CacheKind.COINGECKO, "coins")

    @staticmethod
    def rate_limit(pool: str) -> str:
        """A shared rate limiter's counter for one pool (D3, X1)."""
        return _key(CacheKind.RATE_LIMIT, pool)
