"""The model hooks of sizing (R1) and exit levels (R3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simbiot.config.sections import RiskSettings
from simbiot.domain.market import MarketInfo, MarketStatus
from simbiot.risk.exits import initial_levels
from simbiot.risk.reasons import Reason
from simbiot.risk.sizing import Conditions, Sized, Skip, model_scale, size_entry

RISK = RiskSettings(max_position_fraction=1.0)
MARKET = MarketInfo(
    exchange="mexc", symbol="X/USDT", base="X", quote="USDT", price_step=Decimal("0.0001"),
    amount_step=Decimal("0.000001"), min_amount=Decimal("0.000001"), min_notional=Decimal(1),
    status=MarketStatus.TRADING,
)  # fmt: skip


def _amount(scale: float) -> Decimal:
    sized = size_entry(
        market=MARKET, price=Decimal(100), stop_price=Decimal(95), equity=Decimal(10_000),
        free=Decimal(10_000), conditions=Conditions("sideways", 0.0, scale), settings=RISK,
    )  # fmt: skip
    assert isinstance(sized, Sized)
    return sized.amount


def test_model_scale_multiplies_the_risked_amount() -> None:
    base = _amount(1.0)
    assert _amount(0.5) == pytest.approx(base / 2, rel=Decimal("0.0001"))
    assert _amount(1.5) == pytest.approx(base * Decimal("1.5"), rel=Decimal("0.0001"))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_unusable_model_scales_count_as_one(bad: float) -> None:
    assert model_scale(bad) == 1.0
    assert _amount(bad) == _amount(1.0)


def test_a_zero_model_scale_skips_the_entry() -> None:
    sized = size_entry(
        market=MARKET, price=Decimal(100), stop_price=Decimal(95), equity=Decimal(10_000),
        free=Decimal(10_000), conditions=Conditions("sideways", 0.0, 0.0), settings=RISK,
    )  # fmt: skip
    assert isinstance(sized, Skip)
    assert sized.reason is Reason.REGIME_BLOCKED


def test_stop_scale_moves_stop_target_and_trail_together() -> None:
    base = initial_levels(Decimal(100), 2.0, "sideways", RISK)
    wide = initial_levels(Decimal(100), 2.0, "sideways", RISK, stop_scale=1.5)
    assert wide.risk_per_unit == base.risk_per_unit * Decimal("1.5")
    assert Decimal(100) - wide.stop_price == (Decimal(100) - base.stop_price) * Decimal("1.5")
    assert wide.take_profit - 100 == (base.take_profit - 100) * Decimal("1.5")
    assert wide.trail_pct == base.trail_pct * Decimal("1.5")
    for bad in (0.0, -2.0, float("nan")):
        assert initial_levels(Decimal(100), 2.0, "sideways", RISK, stop_scale=bad) == base
