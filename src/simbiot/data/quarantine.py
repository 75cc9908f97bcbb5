"""Problem symbols (G10, F4): count failures, quarantine repeat offenders for a while.

A symbol failing ``threshold`` times in a row is quarantined for ``ttl_s`` (24 h by
default); a failure that cannot heal by retrying (``BadSymbol``, the venue's "symbol not
support api") quarantines it at once. The record lives in the cache with that TTL, so
every consumer of every process sees the same list and expiry needs no sweeper: once the
record expires the symbol is simply tried again (probed) by the next sync. A symbol that
was quarantined stays "on probation" for another TTL; its first success then clears the
audit trail.

Keys: the record is ``CacheKeys.symbol_problem(exchange, symbol)``; the consecutive-failure
counter and the probation marker add a fourth segment to that key, so a ``scan`` of the
problems prefix tells them apart by segment count.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from simbiot.cache.codec import decode_json, encode_json
from simbiot.cache.keys import SEP, CacheKeys, split
from simbiot.cache.port import Cache
from simbiot.data.audit import QuarantineAudit
from simbiot.domain.clock import Clock
from simbiot.domain.errors import BadSymbol, DataError

__all__ = ["Quarantine", "QuarantineEntry", "is_permanent_failure"]

log = logging.getLogger(__name__)

_FAILURES = "failures"
_PROBATION = "probation"
# Venue messages that mean "this symbol cannot be used through the API", whatever the class.
_PERMANENT_MESSAGES = ("symbol not support api", "symbol is not supported", "invalid symbol")


def is_permanent_failure(error: BaseException | str) -> bool:
    """Whether retrying cannot help (quarantine at once)."""
    if isinstance(error, BadSymbol):
        return True
    text = str(error).lower()
    return any(m in text for m in _PERMANENT_MESSAGES)


def _reason(error: BaseException | str) -> str:
    if isinstance(error, str):
        return error
    return f"{type(error).__name__}: {error}"[:500]


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """A quarantined symbol."""

    symbol: str
    reason: str
    since_ms: int
    until_ms: int
    failures: int


class Quarantine:
    """Problem-symbol bookkeeping of one exchange, shared through the cache."""

    def __init__(
        self,
        cache: Cache,
        clock: Clock,
        ttl_s: float,
        threshold: int,
        audit: QuarantineAudit,
        *,
        exchange: str,
    ) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self._cache = cache
        self._clock = clock
        self._ttl_s = ttl_s
        self._threshold = threshold
        self._audit = audit
        self._exchange = exchange

    @property
    def exchange(self) -> str:
        return self._exchange

    def _key(self, symbol: str) -> str:
        return CacheKeys.symbol_problem(self._exchange, symbol)

    async def record_failure(self, symbol: str, error: BaseException | str) -> bool:
        """Count one failure of ``symbol``; return True if it is now quarantined."""
        if is_permanent_failure(error):
            count = self._threshold
        else:
            count = await self._cache.incr(
                self._key(symbol) + SEP + _FAILURES, 1, ttl_s=self._ttl_s
            )
        if count < self._threshold:
            log.debug(
                "%s %s failed (%d/%d): %s", self._exchange, symbol, count, self._threshold, error
            )
            return False
        await self.quarantine(symbol, _reason(error), failures=count)
        return True

    async def quarantine(self, symbol: str, reason: str, *, failures: int = 0) -> QuarantineEntry:
        """Put ``symbol`` in quarantine now, for the configured TTL, and audit it."""
        now = self._clock.now_ms()
        entry = QuarantineEntry(symbol, reason, now, now + round(self._ttl_s * 1000), failures)
        doc = {"reason": reason, "since_ms": now, "until_ms": entry.until_ms, "failures": failures}
        key = self._key(symbol)
        await self._cache.set(key, encode_json(doc), self._ttl_s)
        await self._cache.set(key + SEP + _PROBATION, b"1", 2 * self._ttl_s)
        await self._cache.delete(key + SEP + _FAILURES)
        await self._audit.record(
            self._exchange, symbol, reason, now, entry.until_ms, failures=failures
        )
        log.warning(
            "%s %s quarantined until %d: %s", self._exchange, symbol, entry.until_ms, reason
        )
        return entry

    async def restore(self, entries: Iterable[QuarantineEntry]) -> int:
        """Re-enter quarantines read from the audit (a fresh in-memory cache); return how many.

        Entries already expired are skipped; the audit is not written again.
        """
        now = self._clock.now_ms()
        restored = 0
        for e in entries:
            left_s = (e.until_ms - now) / 1000
            if left_s <= 0:
                continue
            doc = {
                "reason": e.reason,
                "since_ms": e.since_ms,
                "until_ms": e.until_ms,
                "failures": e.failures,
            }
            key = self._key(e.symbol)
            await self._cache.set(key, encode_json(doc), left_s)
            await self._cache.set(key + SEP + _PROBATION, b"1", left_s + self._ttl_s)
            restored += 1
        return restored

    async def record_successes(self, symbols: Sequence[str]) -> None:
        """Reset the failure streak of ``symbols``; clear the audit of those on probation."""
        if not symbols:
            return
        keys = [self._key(s) for s in symbols]
        await self._cache.delete(*(k + SEP + _FAILURES for k in keys))
        marks = await self._cache.get_many([k + SEP + _PROBATION for k in keys])
        for symbol, key, mark in zip(symbols, keys, marks, strict=True):
            if mark is not None:
                await self._cache.delete(key + SEP + _PROBATION)
                await self._audit.clear(self._exchange, symbol)
                log.info("%s %s healthy again after quarantine", self._exchange, symbol)

    async def release(self, symbol: str) -> bool:
        """Take ``symbol`` out of quarantine now; return whether it was quarantined."""
        key = self._key(symbol)
        existed = await self._cache.delete(key, key + SEP + _FAILURES, key + SEP + _PROBATION)
        await self._audit.clear(self._exchange, symbol)
        return existed > 0

    async def is_quarantined(self, symbol: str) -> bool:
        """Whether ``symbol`` is quarantined now."""
        return await self._cache.exists(self._key(symbol))

    async def available(self, symbols: Iterable[str]) -> list[str]:
        """Return ``symbols`` without the quarantined ones (one round trip), order kept."""
        names = list(symbols)
        if not names:
            return []
        found = await self._cache.get_many([self._key(s) for s in names])
        return [s for s, raw in zip(names, found, strict=True) if raw is None]

    async def entries(self) -> dict[str, QuarantineEntry]:
        """Return every quarantined symbol of this exchange with its record."""
        prefix = CacheKeys.symbol_problems_prefix(self._exchange)
        keys = [k for k in await self._cache.scan(prefix) if len(k.split(SEP)) == 3]
        values = await self._cache.get_many(keys)
        out: dict[str, QuarantineEntry] = {}
        for key, raw in zip(keys, values, strict=True):
            if raw is None:
                continue  # expired between scan and read
            symbol = split(key)[2]
            try:
                doc = decode_json(raw)
                out[symbol] = QuarantineEntry(
                    symbol,
                    str(doc["reason"]),
                    int(doc["since_ms"]),
                    int(doc["until_ms"]),
                    int(doc.get("failures", 0)),
                )
            except (DataError, KeyError, TypeError, ValueError) as exc:
                log.warning("unreadable quarantine record %s: %s", key, exc)
                out[symbol] = QuarantineEntry(symbol, "unreadable record", 0, 0, 0)
        return out
