"""Restarts: orders written, sent or filled while the engine was down are healed once."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from consistency import assert_ledger_matches_venue, ledger_rows

from conftest import ACCOUNT, Env
from simbiot.domain.errors import NetworkError
from simbiot.domain.orders import OrderType
from simbiot.execution.executor import Executor
from simbiot.execution.ledger import Ledger, key_of
from simbiot.execution.live import NEVER_PLACED, LiveExecutor
from simbiot.execution.reconcile import AccountGuard, Reconciler
from simbiot.execution.state import OrderState


def posts(env: Env) -> int:
    return len([r for r in env.server.records if r.route == "order" and r.method == "POST"])


async def restart(env: Env) -> tuple[LiveExecutor, Reconciler, AccountGuard]:
    """A new process: fresh ledger, executor, guard over the same database and venue."""
    guard = AccountGuard()
    ledger = Ledger(env.db)
    ex = LiveExecutor(await env.port(), ledger, env.clock, env.settings)
    return ex, Reconciler(ledger, guard), guard


async def test_killed_between_write_and_send_is_never_placed(env: Env) -> None:
    request = await env.request()
    await env.ledger.record(request)  # … and the process died here
    ex, reconciler, guard = await restart(env)
    report = await reconciler.reconcile(ex, user_id=env.user_id, account_ref=ACCOUNT)
    assert report.ok
    assert report.states == {"rejected": 1}
    row = await env.ledger.get(request.key)
    assert row.status == OrderState.REJECTED
    assert row.reason == NEVER_PLACED
    assert posts(env) == 0  # nothing was sent, before or after
    assert guard.reason(env.user_id, ACCOUNT) is None
    await assert_ledger_matches_venue(env)


async def test_killed_between_send_and_saving_the_response(env: Env) -> None:
    request = await env.request()
    await env.ledger.record(request)
    env.fault("lost_response", route="order", count=1)
    port = await env.port()
    # Sent, and the process died before the answer was saved.
    with pytest.raises(NetworkError):
        await port.create_order(
            request.symbol,
            request.side,
            request.type,
            request.amount,
            None,
            request.client_order_id,
        )
    ex, reconciler, _ = await restart(env)
    report = await reconciler.reconcile(ex, user_id=env.user_id, account_ref=ACCOUNT)
    assert report.ok
    assert report.states == {"filled": 1}
    assert report.fills_booked >= 1
    again = await reconciler.reconcile(ex, user_id=env.user_id, account_ref=ACCOUNT)
    assert again.checked == 0  # settled: nothing left in flight
    assert posts(env) == 1
    await assert_ledger_matches_venue(env)


async def test_fill_replayed_after_restart_is_booked_once(env: Env) -> None:
    ex = await env.executor()
    result = await ex.submit(await env.request())
    assert result.state is OrderState.FILLED
    ex2, _, _ = await restart(env)
    replayed = await ex2.refresh(result.key)
    assert replayed.fills_booked == 0
    # The same venue answer applied again through the ledger books nothing either.
    port = await env.port()
    order = await port.fetch_order_by_client_id("BTC/USDT", result.key.client_order_id)
    assert order is not None
    settled = await ex2._settle(result.key, "BTC/USDT", order, None)
    assert settled.fills_booked == 0
    await assert_ledger_matches_venue(env)


async def test_resting_order_filled_while_down_is_booked(env: Env) -> None:
    ex = await env.executor()
    markets = await env.registry.market_data("mexc").load_markets()
    symbols = [s for s, m in sorted(markets.items()) if m.tradable][:6]
    for symbol in symbols:
        req = await env.request(
            symbol, quote=Decimal(30), type=OrderType.LIMIT, price_factor=Decimal("0.997")
        )
        assert (await ex.submit(req)).state is OrderState.OPEN
    env.server.advance(300 * 60_000)  # the engine is down; some orders fill
    ex2, reconciler, _ = await restart(env)
    report = await reconciler.reconcile(ex2, user_id=env.user_id, account_ref=ACCOUNT)
    assert report.ok
    assert report.states.get("filled", 0) >= 1
    assert report.fills_booked >= report.states["filled"]
    await assert_ledger_matches_venue(env)


async def test_failed_reconciliation_blocks_until_it_succeeds(env: Env) -> None:
    request = await env.request()
    await env.ledger.record(request)
    env.fault("http_5xx", route="order", count=100)
    ex, reconciler, guard = await restart(env)
    report = await reconciler.reconcile(ex, user_id=env.user_id, account_ref=ACCOUNT)
    assert not report.ok
    assert guard.reason(env.user_id, ACCOUNT) is not None
    env.server.faults.clear()
    healed = await reconciler.reconcile(ex, user_id=env.user_id, account_ref=ACCOUNT)
    assert healed.ok
    assert guard.reason(env.user_id, ACCOUNT) is None
    assert [r.status for r in await ledger_rows(env)] == ["rejected"]
    await assert_ledger_matches_venue(env)


async def test_reconcile_all_isolates_a_failing_account(env: Env) -> None:
    request = replace(await env.request(), account_ref="acct:2")
    await env.ledger.record(request)
    good = await env.executor()

    async def executor_for(user_id: int, account_ref: str) -> Executor:
        if account_ref == "acct:2":
            raise RuntimeError("no credentials for this account")
        return good

    guard = AccountGuard()
    reconciler = Reconciler(env.ledger, guard)
    reports = await reconciler.reconcile_all(
        [(env.user_id, ACCOUNT), (env.user_id, "acct:2")], executor_for
    )
    assert [r.ok for r in reports] == [True, False]
    assert set(guard.blocked) == {(env.user_id, "acct:2")}
    row = await env.ledger.get(request.key)
    assert key_of(row) == request.key
    assert row.status == "new"  # untouched until its account can be reconciled
