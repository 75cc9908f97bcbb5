"""The signal blacklist (S4): symbols nobody, or one user, should enter, with reason and expiry.

Entries live in the cache (Redis in production) under ``blacklist:<scope>:<symbol>``, the
scope being ``global`` or a user id. Each entry carries its own expiry read against the
injected clock, so simulated time (backtests, tests) expires entries exactly; the cache TTL
only reclaims the memory afterwards.

:meth:`Blacklist.auto_update` applies the automatic rules: a streak of losing signals on a
symbol, anomalous symbols, quarantined symbols, and an optional learned scorer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from simbiot.cache import codec
from simbiot.cache.keys import CacheKeys, split
from simbiot.cache.store import CacheStore
from simbiot.config.sections import SignalsSettings
from simbiot.domain.clock import Clock
from simbiot.domain.errors import DataError
from simbiot.signals.blacklist_view import BlacklistView

__all__ = ["Blacklist", "BlacklistEntry", "BlacklistScorer", "SignalOutcome"]

GLOBAL = "global"


@dataclass(frozen=True, slots=True)
class SignalOutcome:
    """How a signal ended: its return (0.01 = +1 %); ``user_id`` None for the shared book."""

    symbol: str
    ts: int
    pnl: float
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class BlacklistEntry:
    """One blocked symbol in one scope (``global`` or a user id as text)."""

    scope: str
    symbol: str
    reason: str
    source: str
    created_ms: int
    expires_ms: int

    def to_json(self) -> dict[str, Any]:
        """Return the cached document."""
        return {
            "reason": self.reason,
            "source": self.source,
            "created_ms": self.created_ms,
            "expires_ms": self.expires_ms,
        }

    @classmethod
    def from_json(cls, scope: str, symbol: str, doc: Any) -> BlacklistEntry:
        """Rebuild an entry; raise DataError on a malformed document."""
        try:
            return cls(
                scope, symbol, str(doc["reason"]), str(doc["source"]),
                int(doc["created_ms"]), int(doc["expires_ms"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"malformed blacklist entry {scope}/{symbol}: {exc}") from exc


@runtime_checkable
class BlacklistScorer(Protocol):
    """A learned judge of symbols: the probability that signals on each will lose."""

    def score(self, symbols: Sequence[str]) -> Mapping[str, float]:
        """Return a probability in [0, 1] per symbol (missing: no opinion)."""
        ...


class Blacklist:
    """Global and per-user blocked symbols in the cache, expiring by the injected clock."""

    def __init__(
        self,
        store: CacheStore,
        clock: Clock,
        settings: SignalsSettings | None = None,
        scorer: BlacklistScorer | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._s = settings if settings is not None else SignalsSettings()
        self._scorer = scorer

    @staticmethod
    def _scope(user_id: int | None) -> str:
        return GLOBAL if user_id is None else str(int(user_id))

    async def add(
        self,
        symbol: str,
        reason: str,
        *,
        user_id: int | None = None,
        ttl_s: float | None = None,
        source: str = "manual",
    ) -> BlacklistEntry:
        """Block ``symbol`` (for everybody, or for ``user_id``) for ``ttl_s`` seconds."""
        ttl = float(ttl_s if ttl_s is not None else self._s.manual_blacklist_s)
        if not (math.isfinite(ttl) and ttl > 0):
            raise ValueError(f"ttl_s must be > 0, got {ttl_s!r}")
        now = self._clock.now_ms()
        entry = BlacklistEntry(
            self._scope(user_id), symbol, reason, source, now, now + round(ttl * 1000)
        )
        await self._store.set_json(
            CacheKeys.blacklist(entry.scope, symbol), entry.to_json(), ttl_s=ttl
        )
        return entry

    async def remove(self, symbol: str, *, user_id: int | None = None) -> bool:
        """Unblock ``symbol`` in one scope; return whether it was blocked."""
        key = CacheKeys.blacklist(self._scope(user_id), symbol)
        return await self._store.cache.delete(key) > 0

    def _live(self, entry: BlacklistEntry | None) -> bool:
        return entry is not None and entry.expires_ms > self._clock.now_ms()

    async def _read(self, keys: Sequence[str]) -> list[BlacklistEntry | None]:
        raws = await self._store.cache.get_many(keys)
        out: list[BlacklistEntry | None] = []
        for key, raw in zip(keys, raws, strict=True):
            entry = None
            if raw is not None:
                _, scope, symbol = split(key)
                try:
                    entry = BlacklistEntry.from_json(scope, symbol, codec.decode_json(raw))
                except DataError:
                    # A corrupt entry blocks nothing and is dropped, like any bad cache value.
                    await self._store.cache.delete(key)
            out.append(entry if self._live(entry) else None)
        return out

    async def is_blocked(self, user_id: int | None, symbols: Sequence[str]) -> dict[str, bool]:
        """Return, for each symbol, whether it is blocked for ``user_id`` (one round trip)."""
        keys = [CacheKeys.blacklist(GLOBAL, s) for s in symbols]
        if user_id is not None:
            keys += [CacheKeys.blacklist(self._scope(user_id), s) for s in symbols]
        entries = await self._read(keys)
        n = len(symbols)
        return {
            s: entries[i] is not None or (user_id is not None and entries[n + i] is not None)
            for i, s in enumerate(symbols)
        }

    async def entries(self, user_id: int | None = None) -> list[BlacklistEntry]:
        """Return the live entries of one scope, by symbol."""
        keys = await self._store.cache.scan(CacheKeys.blacklist_prefix(self._scope(user_id)))
        return [e for e in await self._read(keys) if e is not None]

    async def snapshot(self) -> BlacklistView:
        """Return every live entry of every scope as a view (one scan, one batched read)."""
        keys = await self._store.cache.scan(CacheKeys.blacklist_prefix("")[:-1])
        glob: set[str] = set()
        users: dict[int, set[str]] = defaultdict(set)
        for e in await self._read(keys):
            if e is None:
                continue
            if e.scope == GLOBAL:
                glob.add(e.symbol)
            elif e.scope.isdigit():
                users[int(e.scope)].add(e.symbol)
        return BlacklistView(frozenset(glob), {u: frozenset(s) for u, s in users.items()})

    async def auto_update(
        self,
        outcomes: Iterable[SignalOutcome] = (),
        anomalies: Iterable[str] = (),
        quarantined: Iterable[str] = (),
        candidates: Sequence[str] = (),
    ) -> list[BlacklistEntry]:
        """Apply the automatic rules; return the entries added.

        A symbol already blocked in a scope keeps its entry (its expiry is not extended),
        so feeding the same history twice changes nothing.
        """
        s = self._s
        wanted: dict[tuple[int | None, str], tuple[str, str, float]] = {}
        for (user, symbol), streak, last in _losing_streaks(outcomes):
            if streak >= s.losing_streak:
                reason = f"{streak} losing signals in a row (last {last:+.2%})"
                wanted[(user, symbol)] = (reason, "losses", s.loss_blacklist_s)
        for symbol in anomalies:
            wanted.setdefault(
                (None, symbol), ("anomalous market data", "anomaly", s.anomaly_blacklist_s)
            )
        for symbol in quarantined:
            wanted[(None, symbol)] = (
                "quarantined: requests keep failing",
                "quarantine",
                s.quarantine_blacklist_s,
            )
        if self._scorer is not None and candidates:
            for symbol, p in self._scorer.score(candidates).items():
                if math.isfinite(p) and p >= s.scorer_threshold:
                    wanted.setdefault(
                        (None, symbol),
                        (f"model: {p:.0%} chance of a loss", "model", s.model_blacklist_s),
                    )
        if not wanted:
            return []
        targets = list(wanted)
        current = await self._read([CacheKeys.blacklist(self._scope(u), sym) for u, sym in targets])
        added = []
        for (user, symbol), existing in zip(targets, current, strict=True):
            if existing is None:
                reason, source, ttl = wanted[(user, symbol)]
                added.append(await self.add(symbol, reason, user_id=user, ttl_s=ttl, source=source))
        return added


def _losing_streaks(
    outcomes: Iterable[SignalOutcome],
) -> list[tuple[tuple[int | None, str], int, float]]:
    """Return, per (user, symbol), the number of losses at the end of its history."""
    by_key: dict[tuple[int | None, str], list[SignalOutcome]] = defaultdict(list)
    for o in outcomes:
        by_key[(o.user_id, o.symbol)].append(o)
    out = []
    for key, items in by_key.items():
        items.sort(key=lambda o: o.ts)
        streak = 0
        for o in reversed(items):
            if o.pnl >= 0:
                break
            streak += 1
        if streak:
            out.append((key, streak, items[-1].pnl))
    return out
