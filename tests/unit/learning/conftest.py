"""Small seeded markets for learning tests."""

from __future__ import annotations

import pytest

from simbiot.analysis.xray.synthetic import random_market
from simbiot.domain.frame import MarketFrame


@pytest.fixture(scope="module")
def market() -> MarketFrame:
    """Eight symbols × 700 hourly candles, one listed late."""
    return random_market(8, 700, seed=11, late_listing_share=0.15)
