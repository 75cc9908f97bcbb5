"""The invariant every live-execution test ends with: our ledger equals the venue."""

from __future__ import annotations

from decimal import Decimal

from conftest import Env
from simbiot.execution.state import OrderState
from simbiot.storage.repositories import fills, orders
from simbiot.storage.tables import OrderRow


async def ledger_rows(env: Env) -> list[OrderRow]:
    async with env.db.transaction() as session:
        rows = await orders.list_open(
            session, user_id=env.user_id, statuses=[s.value for s in OrderState]
        )
        return list(rows)


async def assert_ledger_matches_venue(env: Env) -> None:
    """Same client ids and count, same filled amounts, every trade booked exactly once."""
    rows = await ledger_rows(env)
    venue = env.venue_orders()
    placed = {r.client_order_id: r for r in rows if r.status != OrderState.REJECTED}
    refused = {r.client_order_id for r in rows if r.status == OrderState.REJECTED}
    assert not refused & set(venue), "an order we hold as refused is at the venue"
    assert all(r.reason for r in rows if r.status == OrderState.REJECTED)
    assert set(placed) == set(venue), (sorted(placed), sorted(venue))
    assert len(placed) == len(venue)
    venue_trades = env.server.exchange_state.trades.get("KEY", [])
    booked_total = 0
    async with env.db.transaction() as session:
        for cid, row in placed.items():
            sim = venue[cid]
            assert row.exchange_order_id == sim.order_id
            assert row.filled == sim.executed_qty, (cid, row.filled, sim.executed_qty)
            booked = await fills.list_for_order(session, user_id=env.user_id, order_id=row.id)
            assert len({f.trade_id for f in booked}) == len(booked)
            assert sum((f.amount for f in booked), Decimal(0)) == sim.executed_qty
            assert {f.trade_id for f in booked} == {
                str(t.trade_id) for t in venue_trades if t.order_id == sim.order_id
            }
            booked_total += len(booked)
            assert OrderState(row.status).is_final is (not sim.is_open), (cid, row.status)
    assert booked_total == len(venue_trades)
