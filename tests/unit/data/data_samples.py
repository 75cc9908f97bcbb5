from __future__ import annotations

import numpy as np

from simbiot.domain.market import Candles

H = 3_600_000


def series(symbol: str, start_h: int, n: int, *, price: float = 100.0, tf: str = "1h") -> Candles:
    """Clean hourly candles from hour ``start_h``; prices encode the hour for easy checks."""
    hours = np.arange(start_h, start_h + n, dtype=np.int64)
    close = price + hours.astype(np.float64)
    return Candles(
        symbol, tf, hours * H, close - 0.5, close + 1.0, close - 1.0, close, np.full(n, 7.0)
    )
