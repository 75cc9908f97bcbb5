"""Scripted faults: what goes wrong, on which route and symbol, how often.

Compact grammar (``simbiot sim serve --faults``), comma-separated specs::

    spec   := route ":" kind [":" amount] [":" option]*
    route  := a route name (``klines``, ``order``, ``ticker`` ...) or ``*`` for every route
    amount := a probability ("0.1") or a count ("3x": the next three matching requests)
    option := "delay=" seconds | "retry=" seconds | "symbol=" BASE/QUOTE

Route names: ``ping``, ``time``, ``exchangeInfo``, ``depth``, ``klines``, ``ticker``,
``bookTicker``, ``tickerPrice``, ``contract``, ``account``, ``order`` (new, query and cancel),
``openOrders``, ``allOrders``, ``myTrades``, ``capital``; Binance: ``binance_klines``,
``binance_ticker_24hr``, ``binance_exchangeInfo``, ``binance_time``, ``binance_ping``;
CoinGecko: ``coins_list``, ``coins_markets``, ``coingecko_ping``.

Kinds: ``timeout`` (hold ``delay`` seconds, then 504), ``latency`` (hold, then answer),
``http_429`` / ``http_418`` (with Retry-After), ``http_5xx``, ``maintenance`` (503 with
MEXC's maintenance body), ``malformed_json`` (truncated 200 body), ``wrong_type`` (values of
the wrong JSON type), ``lost_response`` (the request takes effect, the connection is closed
without an answer), ``clock_skew`` (the server clock runs ``delay`` seconds off: server time
and the recvWindow check).

Examples: ``klines:http_429:0.1``, ``order:lost_response:1x``, ``*:latency:1:delay=0.2``,
``ticker:wrong_type:1:symbol=ETH/USDT``, ``*:clock_skew:1:delay=30``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal, get_args

__all__ = ["FaultBook", "FaultKind", "FaultSpec", "parse_faults"]

FaultKind = Literal[
    "timeout",
    "latency",
    "http_429",
    "http_418",
    "http_5xx",
    "malformed_json",
    "wrong_type",
    "lost_response",
    "maintenance",
    "clock_skew",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass(slots=True)
class FaultSpec:
    """One fault rule.

    ``probability`` applies to each matching request; ``count`` (when set) limits how many
    times the rule fires before it is spent. ``delay_s`` is the latency or timeout hold
    (and, for ``clock_skew``, the server clock's offset); ``retry_after_s`` the Retry-After
    sent with 429 and 418.
    """

    kind: FaultKind
    route: str | None = None
    symbol: str | None = None
    probability: float = 1.0
    count: int | None = None
    delay_s: float = 30.0
    retry_after_s: float = 1.0
    fired: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")
        if not 0 <= self.probability <= 1:
            raise ValueError("fault probability must be within 0..1")
        if self.count is not None and self.count < 1:
            raise ValueError("fault count must be positive")
        if self.delay_s < 0 or self.retry_after_s < 0:
            raise ValueError("fault delays must not be negative")

    @property
    def spent(self) -> bool:
        """Whether a counted rule has fired its last time."""
        return self.count is not None and self.fired >= self.count

    def matches(self, route: str, symbol: str | None) -> bool:
        """Whether this rule concerns a request to ``route`` about ``symbol``."""
        if self.spent or (self.route is not None and self.route != route):
            return False
        return self.symbol is None or self.symbol == symbol


class FaultBook:
    """The active fault rules; draws are seeded so a run repeats exactly."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultSpec] = []
        self._rng = random.Random(seed)

    def add(self, spec: FaultSpec) -> FaultSpec:
        """Activate a rule; return it (its ``fired`` counter shows how often it fired)."""
        self._rules.append(spec)
        return spec

    def clear(self) -> None:
        """Remove every rule."""
        self._rules.clear()

    @property
    def rules(self) -> list[FaultSpec]:
        """The active rules, in the order added."""
        return list(self._rules)

    def draw(self, route: str, symbol: str | None, kinds: frozenset[str]) -> FaultSpec | None:
        """Return the first rule of ``kinds`` that fires for this request, counting it."""
        for rule in self._rules:
            if rule.kind in kinds and rule.matches(route, symbol):
                if rule.probability < 1 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None

    def skew_ms(self, route: str, symbol: str | None) -> int:
        """Return the server clock offset a ``clock_skew`` rule applies to this request."""
        rule = self.draw(route, symbol, frozenset({"clock_skew"}))
        return int(rule.delay_s * 1000) if rule else 0


def _parse_one(text: str) -> FaultSpec:
    try:
        return _build(text)
    except ValueError as exc:
        raise ValueError(f"fault spec {text!r}: {exc}") from None


def _build(text: str) -> FaultSpec:
    parts = [p.strip() for p in text.split(":")]
    if len(parts) < 2:
        raise ValueError("expected route:kind[:amount][:option...]")
    route, kind, rest = parts[0], parts[1], parts[2:]
    spec = FaultSpec(kind=kind, route=None if route in ("*", "") else route)  # type: ignore[arg-type]
    for i, token in enumerate(rest):
        key, sep, value = token.partition("=")
        if not sep and i == 0 and token.endswith("x"):
            spec.count = int(token[:-1])
        elif not sep and i == 0:
            spec.probability = float(token)
        elif key == "delay":
            spec.delay_s = float(value)
        elif key == "retry":
            spec.retry_after_s = float(value)
        elif key == "symbol":
            spec.symbol = value
        else:
            raise ValueError(f"unknown option {token!r}")
    spec.__post_init__()
    return spec


def parse_faults(text: str) -> list[FaultSpec]:
    """Parse the compact grammar of the module docstring into rules."""
    return [_parse_one(chunk) for chunk in text.split(",") if chunk.strip()]
