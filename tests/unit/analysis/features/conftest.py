"""Fixtures of the feature tests: a synthetic market frame with late listings and gaps."""

from __future__ import annotations

import pytest
from feature_frames import make_frame

from simbiot.domain.frame import MarketFrame


@pytest.fixture
def frame() -> MarketFrame:
    """Six symbols × 400 hourly candles."""
    return make_frame()
