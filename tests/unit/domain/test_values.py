from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from simbiot.domain.clock import LiveClock, SimulatedClock
from simbiot.domain.frame import MarketFrame
from simbiot.domain.market import Candles, MarketInfo, MarketStatus, Ticker
from simbiot.domain.timeframes import align_down, timeframe_ms


def _candles(n: int) -> Candles:
    ts = np.arange(n, dtype=np.int64) * 60_000
    f = np.linspace(1.0, 2.0, n)
    return Candles("BTC/USDT", "1m", ts, f, f + 0.1, f - 0.1, f, f * 10)


def test_candles_reject_ragged_columns() -> None:
    ts = np.arange(3, dtype=np.int64)
    f = np.ones(3)
    with pytest.raises(ValueError, match="column high has 2 rows"):
        Candles("X/USDT", "1m", ts, f, f[:2], f, f, f)


def test_candles_slice_and_last_timestamp() -> None:
    c = _candles(10)
    tail = c.slice(7)
    assert len(tail) == 3
    assert tail.last_timestamp == 9 * 60_000
    assert Candles.empty("X/USDT", "1m").last_timestamp is None


def test_timeframes() -> None:
    assert timeframe_ms("1h") == 3_600_000
    assert align_down(3_600_000 * 5 + 17, "1h") == 3_600_000 * 5
    with pytest.raises(ValueError, match="unknown timeframe '7m'"):
        timeframe_ms("7m")


def test_simulated_clock_moves_forward_only() -> None:
    clock = SimulatedClock(1_000)
    clock.advance(1.5)
    assert clock.now_ms() == 2_500
    assert clock.now().tzinfo is not None
    with pytest.raises(ValueError, match="never goes backwards"):
        clock.set(0)


async def test_simulated_sleep_advances_instantly() -> None:
    clock = SimulatedClock(0)
    await clock.sleep(60)
    assert clock.now_ms() == 60_000


def test_live_clock_is_utc() -> None:
    clock = LiveClock()
    assert abs(clock.now().timestamp() * 1000 - clock.now_ms()) < 1_000


def test_market_frame_shape_checked_and_select_tail() -> None:
    ts = np.arange(4, dtype=np.int64)
    m = np.arange(8, dtype=np.float64).reshape(2, 4)
    frame = MarketFrame("sim", "1m", ("A/USDT", "B/USDT"), ts, m, m, m, m, m)
    assert frame.shape == (2, 4)
    assert frame.index("B/USDT") == 1
    with pytest.raises(KeyError):
        frame.index("C/USDT")
    sub = frame.select([1])
    assert sub.symbols == ("B/USDT",)
    assert sub.close.tolist() == [[4.0, 5.0, 6.0, 7.0]]
    assert frame.tail(2).close.shape == (2, 2)
    with pytest.raises(ValueError, match="close has shape"):
        MarketFrame("sim", "1m", ("A/USDT",), ts, m[:1], m[:1], m[:1], m, m[:1])


def test_market_info_tradable_and_ticker_spread() -> None:
    info = MarketInfo("mexc", "A/USDT", "A", "USDT", Decimal("0.01"), Decimal("0.001"))
    assert info.tradable
    halted = MarketInfo(
        "mexc", "A/USDT", "A", "USDT", Decimal("0.01"), Decimal("0.001"), api_tradable=False
    )
    assert not halted.tradable
    delisted = MarketInfo(
        "mexc", "A/USDT", "A", "USDT", Decimal(1), Decimal(1), status=MarketStatus.DELISTED
    )
    assert not delisted.tradable
    assert Ticker("A/USDT", 0, 10.0, bid=9.9, ask=10.1).spread == pytest.approx(0.02)
    assert Ticker("A/USDT", 0, 10.0, bid=None, ask=10.1).spread is None
