"""The market view: candle index, 24-hour statistics, books, symbol resolution."""

from __future__ import annotations

import numpy as np
import pytest

from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.market import Markets


def test_index_follows_the_clock(markets: Markets) -> None:
    k = markets.current_index()
    assert k == 200
    markets.clock.advance(90_000)
    assert markets.current_index() == 201
    assert markets.open_time(201) == markets.tape.origin_ms + 201 * 60_000


def test_stats_match_a_direct_computation(markets: Markets) -> None:
    stats = markets.stats()
    k = markets.current_index()
    rows = markets.tape.rows(1, k - 1439, k)
    assert stats[1, 1] == pytest.approx(rows[:, 2].max())
    assert stats[2, 1] == pytest.approx(rows[:, 3].min())
    assert stats[3, 1] == pytest.approx(rows[-1, 4])
    assert stats[0, 1] == pytest.approx(rows[0, 1])
    assert stats[4, 1] == pytest.approx(rows[:, 5].sum())
    assert stats[6, 1] == pytest.approx(rows[-2, 4])
    assert markets.stats() is stats  # cached within a candle


def test_book_sides_are_ordered_and_spread_by_the_market(markets: Markets) -> None:
    book = markets.book(0, levels=5)
    bids = [p for p, _ in book.bids]
    asks = [p for p, _ in book.asks]
    assert bids == sorted(bids, reverse=True)
    assert asks == sorted(asks)
    last = markets.last_price(0)
    spread = float(asks[0] - bids[0]) / last * 1e4
    assert spread == pytest.approx(markets.universe.spread_bps[0], abs=0.1)
    assert all(q > 0 for _, q in book.asks)


def test_resolve(markets: Markets) -> None:
    u = markets.universe
    assert markets.resolve("BTCUSDT") == 0
    for market_id, code in (("NOPEUSDT", -1121), ("", 400), (None, 400)):
        with pytest.raises(SimApiError) as info:
            markets.resolve(market_id)
        assert info.value.code == code
    blocked = int(np.flatnonzero(~u.api_allowed)[0])
    markets.resolve(u.market_id(blocked))
    with pytest.raises(SimApiError) as info:
        markets.resolve(u.market_id(blocked), trading=True)
    assert info.value.code == 10007
