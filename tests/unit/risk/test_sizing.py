"""Sizing: risk-based amount, rounding down to steps, minimums, balance (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.config.sections import RiskSettings
from simbiot.domain.market import MarketInfo, MarketStatus
from simbiot.risk.reasons import Reason
from simbiot.risk.sizing import (
    Conditions,
    Sized,
    Skip,
    decimal_of,
    round_down,
    round_price,
    size_entry,
    size_exit,
    volatility_scale,
)

RISK = RiskSettings()


def market(
    amount_step: str = "0.0001",
    price_step: str = "0.01",
    min_amount: str = "0.0001",
    min_notional: str = "5",
    status: MarketStatus = MarketStatus.TRADING,
) -> MarketInfo:
    return MarketInfo(
        exchange="mexc",
        symbol="BTC/USDT",
        base="BTC",
        quote="USDT",
        price_step=Decimal(price_step),
        amount_step=Decimal(amount_step),
        min_amount=Decimal(min_amount),
        min_notional=Decimal(min_notional),
        status=status,
    )


def entry(**over: object) -> Sized | Skip:
    values: dict[str, object] = {
        "market": market(),
        "price": Decimal("100"),
        "stop_price": Decimal("95"),
        "equity": Decimal("10000"),
        "free": Decimal("10000"),
        "conditions": Conditions("bull", 0.0),
        "settings": RISK,
    }
    values.update(over)
    return size_entry(**values)  # type: ignore[arg-type]


def test_risk_budget_over_stop_distance() -> None:
    sized = entry()
    assert isinstance(sized, Sized)
    # 1 % of 10,000 = 100 at risk over a 5 stop distance = 20 units, capped at 25 % of equity.
    assert sized.amount == Decimal("20")
    assert sized.notional == Decimal("2000")
    assert sized.fee_reserve == Decimal("2.000")


def test_capped_by_position_fraction() -> None:
    sized = entry(stop_price=Decimal("99.9"))
    assert isinstance(sized, Sized)
    assert sized.amount == Decimal("25")  # 25 % of equity / price


def test_regime_and_volatility_scale_down() -> None:
    calm = entry(conditions=Conditions("bull", 0.01))
    bear = entry(conditions=Conditions("bear", 0.0))
    wild = entry(conditions=Conditions("bull", 0.08))
    assert isinstance(calm, Sized)
    assert isinstance(bear, Sized)
    assert isinstance(wild, Sized)
    assert calm.amount == Decimal("20")
    assert bear.amount == Decimal("8")
    assert wild.amount == Decimal("5")  # 0.02 / 0.08 = 0.25


def test_crash_blocks_entries() -> None:
    skip = entry(conditions=Conditions("crash", 0.0))
    assert isinstance(skip, Skip)
    assert skip.reason is Reason.REGIME_BLOCKED


def test_unknown_regime_uses_full_size() -> None:
    sized = entry(conditions=Conditions("whatever", float("nan")))
    assert isinstance(sized, Sized)
    assert sized.amount == Decimal("20")


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"free": Decimal(0)}, Reason.NO_BALANCE),
        ({"equity": Decimal(-1)}, Reason.NO_BALANCE),
        ({"stop_price": Decimal("100")}, Reason.BAD_STOP),
        ({"stop_price": Decimal("0")}, Reason.BAD_STOP),
        ({"price": Decimal("0.001")}, Reason.BAD_PRICE),
        ({"free": Decimal("4")}, Reason.BELOW_MIN_NOTIONAL),
        ({"market": market(min_amount="50")}, Reason.BELOW_MIN_AMOUNT),
        ({"market": market(status=MarketStatus.DELISTED)}, Reason.MARKET_NOT_TRADABLE),
    ],
)
def test_skips_with_reason(over: dict[str, object], reason: Reason) -> None:
    skip = entry(**over)
    assert isinstance(skip, Skip)
    assert skip.reason is reason
    assert skip.detail


def test_never_above_free_balance_with_fees() -> None:
    sized = entry(free=Decimal("1000"))
    assert isinstance(sized, Sized)
    assert sized.notional + sized.fee_reserve <= Decimal("1000")


def test_rounding_helpers() -> None:
    assert round_down(Decimal("1.23456"), Decimal("0.001")) == Decimal("1.234")
    assert round_down(Decimal("7"), Decimal("5")) == Decimal("5")
    assert round_down(Decimal("1.5"), Decimal(0)) == Decimal("1.5")
    assert round_price(Decimal("10.019"), Decimal("0.01")) == Decimal("10.01")
    assert round_price(Decimal("10.011"), Decimal("0.01"), up=True) == Decimal("10.02")
    assert decimal_of(0.1) == Decimal("0.1")
    with pytest.raises(ValueError):
        decimal_of(float("inf"))
    assert volatility_scale(0.0, RISK) == 1.0
    assert volatility_scale(1.0, RISK) == RISK.min_volatility_scale


def test_exit_partial_and_dust() -> None:
    m = market(min_notional="5")
    half = size_exit(market=m, held=Decimal("1"), fraction=Decimal("0.5"), price=Decimal("100"))
    assert isinstance(half, Sized)
    assert half.amount == Decimal("0.5")
    # The rest (0.04 × 100 = 4) would be under the minimum notional: sell everything.
    whole = size_exit(market=m, held=Decimal("0.09"), fraction=Decimal("0.5"), price=Decimal("100"))
    assert isinstance(whole, Sized)
    assert whole.amount == Decimal("0.09")
    dust = size_exit(market=m, held=Decimal("0.01"), fraction=Decimal(1), price=Decimal("100"))
    assert isinstance(dust, Skip)
    assert dust.reason is Reason.BELOW_MIN_NOTIONAL
    bad = size_exit(market=m, held=Decimal("1"), fraction=Decimal(1), price=Decimal(0))
    assert isinstance(bad, Skip)
    assert bad.reason is Reason.BAD_PRICE


steps = st.sampled_from(["1", "0.1", "0.001", "0.000001", "5"])
money = st.decimals(min_value="0.01", max_value="1000000", places=4)


@settings(max_examples=300, deadline=None)
@given(
    amount_step=steps,
    price_step=st.sampled_from(["0.01", "0.0001", "0.5", "1e-8"]),
    min_amount=st.decimals(min_value="0", max_value="10", places=3),
    min_notional=st.decimals(min_value="0", max_value="50", places=2),
    price=money,
    stop_share=st.floats(min_value=0.001, max_value=0.99),
    equity=money,
    free_share=st.floats(min_value=0.0, max_value=1.0),
    regime=st.sampled_from(["bull", "bear", "sideways", "high_volatility"]),
    vol=st.floats(min_value=0, max_value=0.5),
)
def test_property_never_below_minimum_never_above_balance(
    amount_step: str,
    price_step: str,
    min_amount: Decimal,
    min_notional: Decimal,
    price: Decimal,
    stop_share: float,
    equity: Decimal,
    free_share: float,
    regime: str,
    vol: float,
) -> None:
    m = market(amount_step, price_step, str(min_amount), str(min_notional))
    free = (equity * decimal_of(free_share)).quantize(Decimal("0.0001"))
    stop = price * (1 - decimal_of(stop_share))
    result = size_entry(
        market=m,
        price=price,
        stop_price=stop,
        equity=equity,
        free=free,
        conditions=Conditions(regime, vol),
        settings=RISK,
    )
    if isinstance(result, Skip):
        return
    assert result.amount > 0
    assert result.amount >= m.min_amount
    assert result.notional >= m.min_notional
    assert result.amount % m.amount_step == 0
    assert result.price % m.price_step == 0
    assert result.price <= price
    assert result.notional + result.fee_reserve <= free
    assert (result.price - stop) * result.amount <= equity * decimal_of(RISK.risk_per_trade) * 1


@settings(max_examples=200, deadline=None)
@given(
    held=st.decimals(min_value="0", max_value="1000", places=6),
    fraction=st.decimals(min_value="0.01", max_value="1", places=2),
    price=money,
    amount_step=steps,
)
def test_property_exit_never_sells_more_than_held(
    held: Decimal, fraction: Decimal, price: Decimal, amount_step: str
) -> None:
    m = market(amount_step=amount_step, min_amount="0", min_notional="1")
    result = size_exit(market=m, held=held, fraction=fraction, price=price)
    if isinstance(result, Skip):
        assert result.reason in (Reason.BELOW_MIN_AMOUNT, Reason.BELOW_MIN_NOTIONAL)
        return
    assert 0 < result.amount <= held
    assert result.amount % m.amount_step == 0
    assert result.notional >= m.min_notional
