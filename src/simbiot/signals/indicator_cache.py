"""Indicator results shared by every strategy of a cycle, and kept between cycles (S3).

Arrays are keyed by (frame digest, request): two configurations that need ``ema(50)`` get the
same array, and a repeated cycle over an unchanged frame computes nothing. The cache is an
LRU bounded by bytes, so a long-running analyzer keeps only recent frames.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from simbiot.analysis.indicators import IndicatorSet
from simbiot.analysis.indicators._inputs import FloatArray
from simbiot.domain.frame import MarketFrame
from simbiot.signals.catalog import IndicatorRequest, compute_group

__all__ = ["IndicatorBank", "IndicatorCache"]

# The frame's own columns: served as they are, never copied into the cache.
_RAW = frozenset({"open", "high", "low", "close", "volume"})


class IndicatorCache:
    """LRU of indicator arrays keyed by (frame digest, request), bounded by total bytes."""

    def __init__(self, max_bytes: int = 512 * 1024 * 1024) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be > 0")
        self._max = max_bytes
        self._bytes = 0
        self._items: OrderedDict[tuple[str, IndicatorRequest], FloatArray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def cached_keys(self) -> list[tuple[str, IndicatorRequest]]:
        """Return the cached (frame digest, request) keys, least recently used first."""
        with self._lock:
            return list(self._items)

    @property
    def nbytes(self) -> int:
        """Bytes held now."""
        return self._bytes

    def get(self, digest: str, request: IndicatorRequest) -> FloatArray | None:
        """Return the cached array, or None."""
        key = (digest, request)
        with self._lock:
            arr = self._items.get(key)
            if arr is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return arr

    def put(self, digest: str, request: IndicatorRequest, arr: FloatArray) -> None:
        """Store an array (read-only from now on), evicting the least recently used."""
        arr.flags.writeable = False
        key = (digest, request)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[key] = arr
            self._bytes += arr.nbytes
            while self._bytes > self._max and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes


def _from_standard(ind: IndicatorSet, request: IndicatorRequest) -> FloatArray | None:
    """Return the layer of a precomputed standard set that answers ``request``, if any."""
    p = ind.params
    name, args = request
    n = int(args[0]) if args else 0
    if name == "ema":
        for period, layer in (
            (p.ema_fast, "ema_fast"),
            (p.ema_slow, "ema_slow"),
            (p.ema_trend, "ema_trend"),
        ):
            if n == period:
                return ind.get(layer)
    simple = {"sma": p.sma, "rsi": p.rsi, "atr": p.atr, "natr": p.atr, "adx": p.adx,
              "plus_di": p.adx, "minus_di": p.adx, "mfi": p.mfi, "cci": p.cci,
              "volume_z": p.volume_z, "std": p.std}  # fmt: skip
    if name in simple and n == simple[name]:
        return ind.get(name)
    if name in ("bb_upper", "bb_middle", "bb_lower") and (n, args[1]) == (p.bb_period, p.bb_nbdev):
        return ind.get(name)
    if name.startswith("donchian_") and n == p.donchian:
        return ind.get(name)
    return None


class IndicatorBank:
    """The indicators of one frame: computed on first request, then served from the cache."""

    def __init__(
        self,
        frame: MarketFrame,
        digest: str,
        cache: IndicatorCache,
        standard: IndicatorSet | None = None,
    ) -> None:
        self.frame = frame
        self.digest = digest
        self._cache = cache
        self._standard = (
            standard if standard is not None and standard.symbols == frame.symbols else None
        )

    def get(self, request: IndicatorRequest) -> FloatArray:
        """Return the array for a normalised request over every symbol."""
        if request[0] in _RAW:
            raw: FloatArray = getattr(self.frame, request[0])
            return raw
        arr = self._cache.get(self.digest, request)
        if arr is not None:
            return arr
        if self._standard is not None:
            layer = _from_standard(self._standard, request)
            # A copy: the analyzer may reuse its standard block's buffer for the next frame.
            arr = None if layer is None else layer.copy()
        if arr is not None:
            self._cache.put(self.digest, request, arr)
            return arr
        # Siblings (all Bollinger bands of one period) come from one pass: keep them all.
        computed = compute_group(self.frame, request)
        for member, values in computed.items():
            self._cache.put(self.digest, member, values)
        return computed[request]

    def derived(self, key: IndicatorRequest, build: Callable[[], FloatArray]) -> FloatArray:
        """Return an array derived from indicators (a market percentile), built once per frame.

        ``key`` must name everything the result depends on.
        """
        arr = self._cache.get(self.digest, key)
        if arr is None:
            arr = build()
            self._cache.put(self.digest, key, arr)
        return arr
