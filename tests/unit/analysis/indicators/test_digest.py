"""frame_digest: equal content, equal digest; any change, another digest."""

from __future__ import annotations

import dataclasses

import numpy as np
from indicator_refs import random_candles

from simbiot.analysis.indicators import frame_digest
from simbiot.domain.frame import MarketFrame


def _frame(seed: int = 0) -> MarketFrame:
    d = random_candles(np.random.default_rng(seed), 64, rows=3)
    d.c[0, :5] = np.nan
    return MarketFrame(
        "binance",
        "1h",
        ("A", "B", "C"),
        np.arange(64, dtype=np.int64) * 3_600_000,
        d.o,
        d.h,
        d.l,
        d.c,
        d.v,
    )


def test_equal_content_gives_equal_digest() -> None:
    a = _frame()
    b = _frame()
    assert a is not b
    assert frame_digest(a) == frame_digest(b)
    assert len(frame_digest(a)) == 32
    assert int(frame_digest(a), 16) >= 0


def test_any_change_changes_the_digest() -> None:
    base = _frame()
    digest = frame_digest(base)
    close = base.close.copy()
    close[2, 40] = np.nextafter(close[2, 40], np.inf)
    variants = [
        dataclasses.replace(base, close=close),
        dataclasses.replace(base, symbols=("A", "B", "D")),
        dataclasses.replace(base, exchange="bybit"),
        dataclasses.replace(base, timeframe="4h"),
        dataclasses.replace(base, timestamp=base.timestamp + 1),
        _frame(seed=1),
    ]
    digests = {frame_digest(v) for v in variants}
    assert digest not in digests
    assert len(digests) == len(variants)


def test_symbol_boundaries_are_part_of_the_digest() -> None:
    base = _frame()
    one = dataclasses.replace(base, symbols=("AB", "C", "D"))
    two = dataclasses.replace(base, symbols=("A", "BC", "D"))
    assert frame_digest(one) != frame_digest(two)


def test_views_hash_like_their_copies() -> None:
    view = _frame().tail(10)
    copy = MarketFrame(
        view.exchange,
        view.timeframe,
        view.symbols,
        view.timestamp.copy(),
        *(
            np.ascontiguousarray(a)
            for a in (view.open, view.high, view.low, view.close, view.volume)
        ),
    )
    assert frame_digest(view) == frame_digest(copy)
