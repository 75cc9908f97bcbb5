"""A content hash of a market frame, for cache keys of derived results."""

from __future__ import annotations

import hashlib

import numpy as np

from simbiot.domain.frame import MarketFrame

__all__ = ["frame_digest"]


def frame_digest(frame: MarketFrame) -> str:
    """Return a 32-hex-digit digest of the frame's identity, time axis and OHLCV.

    Equal frames give equal digests; any change of a symbol, a timestamp or a single
    value bit (NaN payloads included) changes it. SHA-256 runs on the processor's SHA
    instructions, twice as fast here as BLAKE2b; 128 of its bits are kept.
    """
    h = hashlib.sha256()
    header = f"{frame.exchange}\x1f{frame.timeframe}\x1f{frame.shape}\x1f" + "\x1e".join(
        frame.symbols
    )
    h.update(header.encode())
    h.update(np.ascontiguousarray(frame.timestamp, dtype=np.int64).data)
    for arr in (frame.open, frame.high, frame.low, frame.close, frame.volume):
        h.update(np.ascontiguousarray(arr, dtype=np.float64).data)
    return h.hexdigest()[:32]
