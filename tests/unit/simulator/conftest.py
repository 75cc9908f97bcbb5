"""A small synthetic market with a manual clock, without HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simbiot.exchange.simulator.clock import SimClock
from simbiot.exchange.simulator.market import Markets
from simbiot.exchange.simulator.matching import ExchangeState
from simbiot.exchange.simulator.synthetic import SyntheticTape

START_MS = 1_700_000_040_000  # aligned to the minute


@pytest.fixture
def markets() -> Markets:
    tape = SyntheticTape(
        symbols=30,
        seed=5,
        quote="USDT",
        timeframe_ms=60_000,
        origin_ms=START_MS - 200 * 60_000,
        start_index=200,
        capacity=2_000,
    )
    return Markets(tape, SimClock(START_MS, speed=1.0, manual=True))


@pytest.fixture
def state(markets: Markets) -> ExchangeState:
    ex = ExchangeState(markets, maker_fee=Decimal("0.001"), taker_fee=Decimal("0.002"))
    ex.add_account("k", "s", {"USDT": Decimal("100000")})
    return ex
