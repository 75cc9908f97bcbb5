"""Small execution parts: ids, equity marks, market context, reason codes, providers, prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simbiot.config.sections import TradingSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import ConfigError
from simbiot.domain.market import MarketInfo, Ticker
from simbiot.exchange.memory import InMemoryMarketData
from simbiot.execution.accounts import AllowAll, MarketContext, UserAccount
from simbiot.execution.equity import EquityMarks
from simbiot.execution.executors import Executors
from simbiot.execution.model import new_client_order_id
from simbiot.execution.prices import StaticPrices, TickerPrices
from simbiot.execution.user_cycle import reason_code
from simbiot.signals.model import StrategyConfig, Subscription

D = Decimal


def test_client_order_ids_are_unique_and_fit_every_venue() -> None:
    ids = {new_client_order_id("sb") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 26 and i.startswith("sb") for i in ids)


def test_equity_marks_track_peak_and_day_start() -> None:
    clock = SimulatedClock(86_400_000 * 10)
    marks = EquityMarks(clock)
    assert marks.mark(1, "a", D(100)) == (D(100), D(100))
    assert marks.mark(1, "a", D(120)) == (D(120), D(100))
    assert marks.mark(1, "a", D(90)) == (D(120), D(100))
    clock.advance(86_400)
    assert marks.mark(1, "a", D(95)) == (D(120), D(95))
    assert marks.mark(2, "a", D(5)) == (D(5), D(5))


def test_market_context_volatility() -> None:
    m = MarketInfo("mexc", "A/USDT", "A", "USDT", D("0.1"), D("0.1"))
    ctx = MarketContext("mexc", "bull", {"A/USDT": m}, {"A/USDT": D(50)}, {"A/USDT": 1.0})
    assert ctx.volatility("A/USDT") == pytest.approx(0.02)
    assert ctx.volatility("B/USDT") == 0.0


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("insufficient_funds: need 5", "insufficient_funds"),
        ("never_placed", "never_placed"),
        (None, "exchange_rejected"),
        ("something odd", "something odd"),
    ],
)
def test_reason_code(reason: str | None, code: str) -> None:
    assert reason_code(reason) == code


async def test_executor_provider() -> None:
    class Paper:
        async def submit(self, request: object) -> object: ...

    paper = Paper()
    provider = Executors(paper, None, SimulatedClock(0), TradingSettings())  # type: ignore[arg-type]
    sub = Subscription(1, StrategyConfig("t"))
    assert await provider.executor(UserAccount(1, 1, "mexc", "paper:1", sub)) is paper
    with pytest.raises(ConfigError):
        await provider.executor(UserAccount(1, None, "mexc", "acct:1", sub, paper=False))
    assert await AllowAll().may_trade(1, paper=True)


async def test_static_and_ticker_prices() -> None:
    static = StaticPrices()
    static.set("mexc", "A/USDT", D(3))
    assert await static.last_price("mexc", "A/USDT") == D(3)
    assert await static.last_price("mexc", "B/USDT") is None
    md = InMemoryMarketData(
        tickers={"A/USDT": Ticker("A/USDT", 0, 1.5), "Z/USDT": Ticker("Z/USDT", 0, 0.0)}
    )
    clock = SimulatedClock(0)
    prices = TickerPrices(md, clock, ttl_s=2)
    assert await prices.last_price("mexc", "A/USDT") == D("1.5")
    assert await prices.last_price("mexc", "Z/USDT") is None
    assert await prices.last_price("binance", "A/USDT") is None
    assert md.calls["fetch_tickers"] == 1
    await prices.last_price("mexc", "A/USDT")
    assert md.calls["fetch_tickers"] == 1
    clock.advance(3)
    await prices.last_price("mexc", "A/USDT")
    assert md.calls["fetch_tickers"] == 2
