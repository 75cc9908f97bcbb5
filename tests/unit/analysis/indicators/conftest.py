"""Fixtures of the indicator tests: real binance candles as market frames."""

from __future__ import annotations

from pathlib import Path

import pytest
from indicator_refs import load_frame

from simbiot.domain.frame import MarketFrame


@pytest.fixture(scope="session")
def real_1h(shared_data: Path) -> MarketFrame:
    """Every binance 1h symbol, later listings NaN-padded at the start."""
    return load_frame(shared_data, "1h")


@pytest.fixture(scope="session")
def real_5m(shared_data: Path) -> MarketFrame:
    """Four binance 5m symbols (about 72,000 candles each)."""
    return load_frame(shared_data, "5m", limit=4)
