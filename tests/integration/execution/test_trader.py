"""Trader: a burst fanned out to paper accounts on a real database; isolation of failures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

import pytest

from simbiot.config.sections import RiskSettings, TradingSettings
from simbiot.domain.clock import LiveClock
from simbiot.domain.market import MarketInfo
from simbiot.execution.accounts import MarketContext, Outcome, UserAccount
from simbiot.execution.balances import BalanceCache
from simbiot.execution.executor import Executor
from simbiot.execution.executors import Executors
from simbiot.execution.ledger import Ledger
from simbiot.execution.paper import PaperExecutor
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.prices import StaticPrices
from simbiot.execution.reconcile import AccountGuard
from simbiot.execution.trader import Trader
from simbiot.signals.model import Side, Signal, StrategyConfig, Subscription
from simbiot.storage.database import Database
from simbiot.storage.repositories import bots, orders, strategies, users

D = Decimal
CONFIG = StrategyConfig("trend", {"fast": 12})
SYMBOLS = ("AAA/USDT", "BBB/USDT", "CCC/USDT")


def market(symbol: str) -> MarketInfo:
    base = symbol.split("/")[0]
    return MarketInfo("mexc", symbol, base, "USDT", D("0.0001"), D("0.001"), D("0.001"), D("5"))


def context(regime: str = "bull", **prices: str) -> MarketContext:
    px = {s: D("10") for s in SYMBOLS}
    px.update({k.replace("_", "/"): D(v) for k, v in prices.items()})
    return MarketContext(
        exchange="mexc",
        regime=regime,
        markets={s: market(s) for s in SYMBOLS},
        prices=px,
        atr=dict.fromkeys(SYMBOLS, 0.2),
    )


def signal(symbol: str, side: Side = Side.ENTRY_LONG, strength: float = 0.8) -> Signal:
    return Signal(CONFIG.config_id, symbol, side, strength, "test", 1)


@dataclass
class Desk:
    trader: Trader
    ledger: Ledger
    guard: AccountGuard
    accounts: list[UserAccount]
    balances: BalanceCache
    prices: StaticPrices


class Failing:
    """An executor provider that breaks or stalls for chosen users."""

    def __init__(self, inner: Executors, fail: set[int], stall: set[int]) -> None:
        self.inner, self.fail, self.stall = inner, fail, stall

    async def executor(self, account: UserAccount) -> Executor:
        if account.user_id in self.fail:
            raise RuntimeError("credentials could not be decrypted")
        if account.user_id in self.stall:
            await asyncio.sleep(30)
        return await self.inner.executor(account)


async def make_desk(
    db: Database,
    n: int,
    *,
    fail: set[int] = frozenset(),
    stall: set[int] = frozenset(),
    **trading: object,
) -> Desk:  # type: ignore[assignment]
    accounts = []
    async with db.transaction() as session:
        strat = await strategies.create(session, user_id=None, name="s", kind="rule", definition={})
        for i in range(n):
            user = await users.create(session, email=f"u{i}@x.io", password_hash="h")
            bot = await bots.create(session, user_id=user.id, strategy_id=strat.id, name="b")
            accounts.append(
                UserAccount(
                    user.id,
                    bot.id,
                    "mexc",
                    orders.paper_account_ref(bot.id),
                    Subscription(user.id, CONFIG, max_slots=2),
                )
            )
    settings = TradingSettings(**{"user_timeout_s": 1.0, "max_concurrent_users": 4, **trading})  # type: ignore[arg-type]
    clock = LiveClock()
    ledger = Ledger(db)
    prices = StaticPrices({("mexc", s): D("10") for s in SYMBOLS})
    paper_balances = PaperBalances(ledger, lambda u, a: D(1000))
    paper = PaperExecutor(ledger, prices, clock, settings, paper_balances)
    balances = BalanceCache(paper_balances.free_quote, clock, settings.balance_ttl_s)
    guard = AccountGuard()
    provider = Failing(Executors(paper, ledger, clock, settings), set(fail), set(stall))
    trader = Trader(
        executors=provider,
        ledger=ledger,
        balances=balances,
        guard=guard,
        risk=RiskSettings(),
        settings=settings,
        clock=clock,
    )
    return Desk(trader, ledger, guard, accounts, balances, prices)


async def test_burst_enters_for_every_account_and_reports(database: Database) -> None:
    desk = await make_desk(database, 3)
    burst = [signal("AAA/USDT", strength=0.9), signal("BBB/USDT"), signal("CCC/USDT", strength=0.1)]
    reports = await desk.trader.on_signals(burst, desk.accounts, context())
    assert len(reports) == 3
    for report in reports:
        outcomes = {d.symbol: (d.outcome, d.reason) for d in report.decisions}
        assert outcomes["AAA/USDT"][0] is Outcome.SENT
        assert outcomes["BBB/USDT"][0] is Outcome.SENT
        # Two slots: the weakest signal waits.
        assert outcomes["CCC/USDT"] == (Outcome.SKIPPED, "max_open_positions")
        positions = await desk.ledger.open_positions(user_id=report.user_id)
        assert sorted(p.symbol for p in positions) == ["AAA/USDT", "BBB/USDT"]
        assert all(p.stop_price is not None and p.stop_price < D(10) for p in positions)
    # A second burst: the symbols are held, nothing is doubled.
    again = await desk.trader.on_signals(burst[:1], desk.accounts, context())
    assert {d.reason for r in again for d in r.decisions} == {"already_held"}


async def test_exit_signal_sells_and_missing_position_is_skipped(database: Database) -> None:
    desk = await make_desk(database, 1)
    await desk.trader.on_signals([signal("AAA/USDT")], desk.accounts, context())
    desk.prices.set("mexc", "AAA/USDT", D(11))
    burst = [signal("AAA/USDT", Side.EXIT_LONG), signal("BBB/USDT", Side.EXIT_LONG)]
    (report,) = await desk.trader.on_signals(burst, desk.accounts, context(AAA_USDT="11"))
    outcomes = {d.symbol: (d.outcome, d.reason) for d in report.decisions}
    assert outcomes["AAA/USDT"] == (Outcome.SENT, None)
    assert outcomes["BBB/USDT"] == (Outcome.SKIPPED, "no_position")
    assert await desk.ledger.open_positions(user_id=report.user_id) == []


async def test_failing_and_slow_accounts_do_not_stop_the_rest(database: Database) -> None:
    desk = await make_desk(database, 6, fail={2}, stall={3})
    started = asyncio.get_running_loop().time()
    reports = await desk.trader.on_signals([signal("AAA/USDT")], desk.accounts, context())
    elapsed = asyncio.get_running_loop().time() - started
    assert elapsed < 5  # the stalled account timed out after 1 s, the others did not wait
    by_user = {r.user_id: r for r in reports}
    assert by_user[2].error is not None
    assert by_user[2].decisions[0].reason == "user_failed"
    assert by_user[3].decisions[0].reason == "user_timeout"
    ok = [r for u, r in by_user.items() if u not in (2, 3)]
    assert len(ok) == 4
    assert all(r.decisions[0].outcome is Outcome.SENT for r in ok)
    assert set(desk.guard.blocked) == {(2, "paper:2"), (3, "paper:3")}
    # Blocked accounts are skipped until reconciled.
    again = await desk.trader.on_signals([signal("BBB/USDT")], desk.accounts[1:2], context())
    assert again[0].decisions[0].reason == "account_blocked"


async def test_regime_and_market_reasons(database: Database) -> None:
    desk = await make_desk(database, 1)
    (crash,) = await desk.trader.on_signals([signal("AAA/USDT")], desk.accounts, context("crash"))
    assert crash.decisions[0].reason == "regime_blocked"
    burst = [signal("ZZZ/USDT")]
    (unknown,) = await desk.trader.on_signals(burst, desk.accounts, context())
    assert unknown.decisions[0].reason == "unknown_symbol"


async def test_entitlements_hook_denies(database: Database) -> None:
    desk = await make_desk(database, 2)

    class OnlyFirst:
        async def may_trade(self, user_id: int, *, paper: bool) -> bool:
            return user_id == 1

    desk.trader._cycle._entitlements = OnlyFirst()
    reports = await desk.trader.on_signals([signal("AAA/USDT")], desk.accounts, context())
    assert [r.decisions[0].outcome for r in reports] == [Outcome.SENT, Outcome.SKIPPED]
    assert reports[1].decisions[0].reason == "not_entitled"


@pytest.mark.parametrize("order_type", ["limit"])
async def test_limit_entries_rest_in_paper(database: Database, order_type: str) -> None:
    desk = await make_desk(database, 1, order_type=order_type, limit_offset=0.0)
    desk.prices.set("mexc", "AAA/USDT", D("10.5"))  # moved up since the analysis
    (report,) = await desk.trader.on_signals([signal("AAA/USDT")], desk.accounts, context())
    decision = report.decisions[0]
    assert decision.outcome is Outcome.SENT
    assert decision.state is not None
    assert decision.state.value == "open"
