"""The trader on a live account: signals → sized orders at the simulator through ccxt."""

from __future__ import annotations

from decimal import Decimal

from consistency import assert_ledger_matches_venue

from conftest import ACCOUNT, Env
from simbiot.config.sections import RiskSettings
from simbiot.exchange.ports import TradingPort
from simbiot.execution.accounts import MarketContext, Outcome, UserAccount
from simbiot.execution.balances import BalanceCache
from simbiot.execution.executors import Executors
from simbiot.execution.paper import PaperExecutor
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.prices import StaticPrices
from simbiot.execution.reconcile import AccountGuard
from simbiot.execution.trader import Trader
from simbiot.risk.sizing import decimal_of
from simbiot.signals.model import Side, Signal, StrategyConfig, Subscription

CONFIG = StrategyConfig("trend", {})


async def test_live_burst_places_sized_orders_and_books_them(env: Env) -> None:
    md = env.registry.market_data("mexc")
    markets = await md.load_markets()
    tickers = await md.fetch_tickers()
    symbols = [s for s, m in sorted(markets.items()) if m.tradable and s in tickers][:3]
    prices = {s: decimal_of(tickers[s].last) for s in symbols}
    ctx = MarketContext(
        "mexc", "bull", markets, prices, {s: float(p) * 0.01 for s, p in prices.items()}
    )

    async def port_for(account: UserAccount) -> TradingPort:
        return await env.port()

    async def free_usdt(user_id: int, account_ref: str) -> Decimal:
        balance = await (await env.port()).fetch_balance()
        return balance["USDT"].free

    ledger = env.ledger
    paper = PaperExecutor(
        ledger,
        StaticPrices(),
        env.clock,
        env.settings,
        PaperBalances(ledger, lambda u, a: Decimal(0)),
    )
    guard = AccountGuard()
    trader = Trader(
        executors=Executors(paper, ledger, env.clock, env.settings, port_for=port_for),
        ledger=ledger,
        balances=BalanceCache(free_usdt, env.clock, 5.0),
        guard=guard,
        risk=RiskSettings(),
        settings=env.settings,
        clock=env.clock,
    )
    account = UserAccount(
        env.user_id,
        None,
        "mexc",
        ACCOUNT,
        Subscription(env.user_id, CONFIG, max_slots=2),
        paper=False,
    )
    signals = [
        Signal(CONFIG.config_id, s, Side.ENTRY_LONG, 0.9 - i / 10, "t", 1)
        for i, s in enumerate(symbols)
    ]
    env.fault("lost_response", route="order", count=1)  # the first order's answer is lost
    (report,) = await trader.on_signals(signals, [account], ctx)
    assert report.error is None
    outcomes = [(d.symbol, d.outcome, d.reason) for d in report.decisions]
    sent = [d for d in report.decisions if d.outcome is Outcome.SENT]
    assert len(sent) == 2, outcomes
    assert all(d.state is not None and d.state.value == "filled" for d in sent)
    assert [d.reason for d in report.decisions if d.outcome is Outcome.SKIPPED] == [
        "max_open_positions"
    ]
    positions = await ledger.open_positions(user_id=env.user_id)
    assert sorted(p.symbol for p in positions) == sorted(d.symbol for d in sent)
    # Risk: each entry risks about 1 % of equity between its price and its stop.
    for p in positions:
        assert p.stop_price is not None
        assert (p.entry_price - p.stop_price) * p.amount <= Decimal("10000") * Decimal("0.0101")
    assert guard.blocked == {}
    await assert_ledger_matches_venue(env)
