"""Invariants of the matching engine under random order flow (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simbiot.exchange.simulator.clock import SimClock
from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.market import Markets
from simbiot.exchange.simulator.matching import ExchangeState
from simbiot.exchange.simulator.order_rules import parse_order_request
from simbiot.exchange.simulator.synthetic import SyntheticTape

START = 1_700_000_040_000

actions = st.lists(
    st.tuples(
        st.sampled_from(["market", "limit", "cancel", "advance"]),
        st.sampled_from(["BUY", "SELL"]),
        st.integers(0, 2),  # market index among BTC, ETH, BNB
        st.floats(0.001, 3.0),  # size in units of 1,000 USDT
        st.floats(0.95, 1.05),  # limit price relative to the last price
    ),
    min_size=1,
    max_size=25,
)


def _new_state() -> ExchangeState:
    tape = SyntheticTape(
        symbols=5,
        seed=9,
        quote="USDT",
        timeframe_ms=60_000,
        origin_ms=START - 100 * 60_000,
        start_index=100,
        capacity=3_000,
    )
    state = ExchangeState(
        Markets(tape, SimClock(START, speed=1.0, manual=True)),
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.002"),
    )
    state.add_account(
        "k", "s", {"USDT": Decimal("5000"), "BTC": Decimal("0.05"), "ETH": Decimal("1")}
    )
    return state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=actions)
@example(
    flow=[
        ("market", "BUY", 1, 1.0, 1.0),
        ("limit", "BUY", 1, 1.0, 0.99),
        ("limit", "SELL", 0, 0.5, 1.01),
        ("advance", "BUY", 0, 3.0, 1.0),
        ("limit", "BUY", 2, 0.5, 0.9),
        ("cancel", "BUY", 0, 1.0, 1.0),
    ]
)
def test_balances_never_go_negative_and_locks_match_open_orders(
    flow: list[tuple[str, str, int, float, float]],
) -> None:
    state = _new_state()
    m = state.markets
    u = m.universe
    for kind, side, market, size, rel in flow:
        if kind == "advance":
            m.clock.advance(int(size * 600_000))
            state.sweep()
            continue
        if kind == "cancel":
            open_orders = state.open_orders("k", None)
            if open_orders:
                state.cancel("k", open_orders[0].market_id, {"orderId": open_orders[0].order_id})
            continue
        last = m.last_price(market)
        ad, pd = int(u.amount_decimals[market]), int(u.price_decimals[market])
        params = {
            "symbol": u.market_id(market),
            "side": side,
            "type": kind.upper(),
            "quantity": f"{size * 1000 / last:.{ad}f}",
        }
        if kind == "limit":
            params["price"] = f"{last * rel:.{pd}f}"
        refused: int | None = None
        try:
            state.place("k", params)
        except SimApiError as exc:
            refused = exc.code
        assert refused in (None, 30002, 30004, 10102)
    balances = state.accounts["k"].balances
    for asset, bal in balances.items():
        assert bal.free >= 0, asset
        assert bal.locked >= 0, asset
    for asset in ("USDT", "BTC", "ETH", "BNB"):
        locked = sum(
            o.locked
            for o in state.open_orders("k", None)
            if (u.quote if o.side == "BUY" else u.bases[o.market]) == asset
        )
        assert balances[asset].locked == locked
    for order in state.orders.values():
        assert Decimal(0) <= order.executed_qty <= order.orig_qty
    fills = state.trades["k"]
    assert len({t.trade_id for t in fills}) == len(fills)
    if flow[0] == ("market", "BUY", 1, 1.0, 1.0):
        assert fills, "the explicit example must trade"


@given(
    quantity=st.decimals(min_value=Decimal("0.00001"), max_value=Decimal(10), places=7),
    price=st.decimals(min_value=Decimal(1000), max_value=Decimal(100_000), places=3),
)
def test_order_precision_rules(quantity: Decimal, price: Decimal) -> None:
    state = _new_state()
    u = state.markets.universe
    ad, pd = int(u.amount_decimals[0]), int(u.price_decimals[0])
    params = {"side": "BUY", "type": "LIMIT", "quantity": str(quantity), "price": str(price)}
    q_places = max(0, -quantity.normalize().as_tuple().exponent)  # type: ignore[operator]
    p_places = max(0, -price.normalize().as_tuple().exponent)  # type: ignore[operator]
    if q_places > ad:
        expected: int | None = 10096
    elif p_places > pd:
        expected = 30087
    elif quantity * price < Decimal(repr(float(u.min_notional[0]))) or quantity < Decimal(1).scaleb(
        -ad
    ):
        expected = 30002
    else:
        expected = None
    code: int | None = None
    try:
        req = parse_order_request(params, 0, u, price)
    except SimApiError as exc:
        code = exc.code
    assert code == expected
    if expected is not None:
        return
    assert q_places <= ad
    assert p_places <= pd
    assert req.quantity == quantity
