"""Risk limits: each limit rejects with its reason; volatility tightens exposure caps."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from simbiot.config.sections import RiskSettings
from simbiot.risk.limits import AccountState, check_entry, kill_switch, volatility_ratio
from simbiot.risk.reasons import Reason

RISK = RiskSettings(max_open_positions=2, max_symbol_exposure=0.3, max_total_exposure=0.5)
D = Decimal


def state(equity: str = "1000", peak: str = "1000", day: str = "1000", **exp: str) -> AccountState:
    return AccountState(D(equity), D(peak), D(day), {k: D(v) for k, v in exp.items()})


def test_allows_within_limits() -> None:
    assert check_entry(state(), "BTC/USDT", D("200"), RISK) is None


def test_max_open_positions_but_adding_to_held_symbol_is_allowed() -> None:
    full = state(A="100", B="100")
    rejection = check_entry(full, "C", D("10"), RISK)
    assert rejection is not None
    assert rejection.reason is Reason.MAX_OPEN_POSITIONS
    assert check_entry(full, "A", D("10"), RISK) is None


def test_symbol_exposure() -> None:
    rejection = check_entry(state(A="250"), "A", D("100"), RISK)
    assert rejection is not None
    assert rejection.reason is Reason.SYMBOL_EXPOSURE


def test_total_exposure() -> None:
    rejection = check_entry(state(A="250"), "B", D("260"), RISK)
    assert rejection is not None
    assert rejection.reason is Reason.TOTAL_EXPOSURE


def test_volatility_tightens_exposure() -> None:
    assert check_entry(state(), "A", D("200"), RISK, volatility=0.02) is None
    rejection = check_entry(state(), "A", D("200"), RISK, volatility=0.04)  # cap 300 / 2
    assert rejection is not None
    assert rejection.reason is Reason.SYMBOL_EXPOSURE
    assert volatility_ratio(0.01, RISK) == 1.0
    assert volatility_ratio(float("nan"), RISK) == 1.0
    assert volatility_ratio(0.06, RISK) == 3.0


def test_daily_loss_limit() -> None:
    rejection = check_entry(state("940", "1000", "1000"), "A", D("1"), RISK)
    assert rejection is not None
    assert rejection.reason is Reason.DAILY_LOSS_LIMIT


def test_drawdown_kill_switch_wins_over_daily_loss() -> None:
    rejection = kill_switch(state("790", "1000", "800"), RISK)
    assert rejection is not None
    assert rejection.reason is Reason.DRAWDOWN_KILL_SWITCH
    assert "20.00%" in rejection.detail
    assert kill_switch(state("1000", "0", "0"), RISK) is None


@given(
    equity=st.decimals(min_value="1", max_value="1000000", places=2),
    held=st.decimals(min_value="0", max_value="1000000", places=2),
    notional=st.decimals(min_value="0", max_value="1000000", places=2),
    vol=st.floats(min_value=0, max_value=1),
)
def test_property_accepted_entry_respects_caps(
    equity: Decimal, held: Decimal, notional: Decimal, vol: float
) -> None:
    s = AccountState(equity, equity, equity, {"A": held})
    if check_entry(s, "A", notional, RISK, volatility=vol) is None:
        ratio = Decimal(repr(volatility_ratio(vol, RISK)))
        assert held + notional <= equity * Decimal("0.3") / ratio
        assert held + notional <= equity * Decimal("0.5") / ratio
