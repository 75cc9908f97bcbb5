"""The trading stack trades the running bots of the database, within their owners' plans,
records their equity each cycle and restores its limits from it after a restart."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from simbiot.config import Settings, load_settings
from simbiot.security.secrets import ExchangeCredentials
from simbiot.services.container import Container
from simbiot.services.session import open_container
from simbiot.services.trading import TradingStack, build_trading
from simbiot.services.xray_cycle import run_xray_cycle
from simbiot.storage.repositories import accounts, bots, equity, strategies, users
from simbiot.storage.repositories.orders import paper_account_ref

EAGER = {"rsi_entry": 50.0, "rsi_exit": 90.0, "bb_k": 0.5}


def _settings(tmp_path: Path, **plan: Any) -> Settings:
    return load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        simulator={"symbols": 30},
        run={"users": []},
        billing={"plans": {"free": {"entitlements": plan}}},
        security={
            "master_keys": {"k1": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="},
            "active_key_id": "k1",
        },
    )


@pytest.fixture
async def roomy(tmp_path: Path) -> AsyncIterator[Container]:
    async with open_container(_settings(tmp_path, max_bots=5, max_symbols=4)) as c:
        yield c


async def _user(c: Container) -> int:
    async with c.database.transaction() as session:
        row = await users.create(session, email=f"u{id(object())}@x.io", password_hash="!")
        return row.id


async def _running_bot(
    c: Container,
    user_id: int,
    strategy: str = "mean_reversion",
    *,
    params: dict[str, Any] | None = None,
    capital: str = "5000",
    account_id: int | None = None,
) -> int:
    """A running bot written straight to the database (no plan check: the API's job)."""
    config = c.strategies.default_config(strategy, **(params or {}))
    async with c.database.transaction() as session:
        s = await strategies.create(
            session,
            user_id=user_id,
            name=strategy,
            kind="builtin",
            definition={"strategy": config.strategy, "params": dict(config.params)},
        )
        bot = await bots.create(
            session,
            user_id=user_id,
            strategy_id=s.id,
            name=strategy,
            mode="live" if account_id else "paper",
            account_id=account_id,
            params={"capital": capital, "max_slots": 5} if not account_id else {"max_slots": 5},
        )
        await bots.set_status(session, user_id=user_id, bot_id=bot.id, status="running")
        return bot.id


async def _cycle(c: Container, stack: TradingStack) -> Any:
    return await stack.cycle((await run_xray_cycle(c)).result)


async def test_running_bots_are_read_each_cycle(roomy: Container) -> None:
    c = roomy
    stack = TradingStack(c)
    assert await stack.refresh() == []
    uid = await _user(c)
    bot = await _running_bot(c, uid, params=EAGER)
    accounts_ = await stack.refresh()
    assert [(a.bot_id, a.account_ref, a.paper) for a in accounts_] == [
        (bot, paper_account_ref(bot), True)
    ]
    assert accounts_[0].subscription.capital == Decimal(5000)
    assert accounts_[0].subscription.max_slots == 4  # the plan's max_symbols caps 5 slots
    first = await _cycle(c, stack)
    assert first.orders_sent > 0
    async with c.database.transaction() as session:
        marks = await equity.page(session, user_id=uid, bot_id=bot, limit=10)
        await bots.set_status(session, user_id=uid, bot_id=bot, status="stopped")
    assert len(marks) == 1
    assert marks[0].equity == marks[0].cash + marks[0].positions_value
    assert marks[0].equity > Decimal(4900)  # fees and slippage only
    assert await stack.refresh() == []


async def test_a_bot_whose_strategy_fails_to_load_is_skipped(roomy: Container) -> None:
    c = roomy
    uid = await _user(c)
    good = await _running_bot(c, uid)
    bad = await _running_bot(c, uid, strategy="trend_ema_adx")
    async with c.database.transaction() as session:
        row = await bots.get(session, user_id=uid, bot_id=bad)
        strat = await strategies.get(session, user_id=uid, strategy_id=row.strategy_id)
        strat.definition = {"strategy": "gone_strategy", "params": {}}
    stack = TradingStack(c)
    assert [a.bot_id for a in await stack.refresh()] == [good]


async def test_plan_entitlements_gate_entries_per_bot(tmp_path: Path) -> None:
    settings = _settings(tmp_path, max_bots=1, strategies=["mean_reversion"], max_symbols=2)
    async with open_container(settings) as c:
        uid = await _user(c)
        allowed = await _running_bot(c, uid, params=EAGER)
        beyond = await _running_bot(c, uid, params=EAGER, capital="7000")
        other_strategy = await _running_bot(c, await _user(c), "trend_ema_adx")
        async with c.database.transaction() as session:
            key = await accounts.add(
                session,
                c.cipher(),
                user_id=uid,
                exchange="mexc",
                label="main",
                credentials=ExchangeCredentials("k" * 16, "s" * 32),
            )
        live = await _running_bot(c, uid, account_id=key.id)
        stack = TradingStack(c)
        accounts_ = {a.bot_id: a for a in await stack.refresh()}
        assert set(stack.refused) == {beyond, other_strategy, live}
        assert "allows 1 bots" in stack.refused[beyond].reason
        assert "strategy" in stack.refused[other_strategy].reason
        assert "live" in stack.refused[live].reason
        assert accounts_[allowed].subscription.max_slots == 2
        assert all(accounts_[b].subscription.max_slots == 0 for b in stack.refused)
        assert await stack.entitlements.may_trade(uid, paper=True)
        assert not await stack.entitlements.may_trade(uid, paper=False)
        cycle = await _cycle(c, stack)
        sent = {r.account_ref for r in cycle.reports for d in r.decisions if d.outcome == "sent"}
        assert sent == {paper_account_ref(allowed)}
        # The live account's balance cannot be read (the venue refuses the key): no mark.
        async with c.database.transaction() as session:
            for bot_id, owner in ((allowed, uid), (beyond, uid), (live, uid)):
                marks = await equity.page(session, user_id=owner, bot_id=bot_id, limit=5)
                assert len(marks) == (0 if bot_id == live else 1), bot_id


async def test_drawdown_limit_survives_a_restart(roomy: Container) -> None:
    c = roomy
    uid = await _user(c)
    bot = await _running_bot(c, uid, params=EAGER)
    now = datetime.fromtimestamp(c.clock.now_ms() / 1000, tz=UTC)
    # Recorded by an earlier process: the bot was worth far more at its peak.
    async with c.database.transaction() as session:
        await equity.add_marks(
            session,
            [
                equity.EquityMark(
                    uid, bot, now.replace(year=now.year - 1), Decimal(20_000), Decimal(0)
                ),
                equity.EquityMark(uid, bot, now, Decimal(5_000), Decimal(0)),
            ],
        )
    stack = TradingStack(c)
    await stack.refresh()
    ref = paper_account_ref(bot)
    assert stack.equity_marks.known(uid, ref)
    cycle = await _cycle(c, stack)
    decisions = [d for r in cycle.reports for d in r.decisions if d.side.startswith("entry")]
    assert decisions
    assert {d.reason for d in decisions} == {"drawdown_kill_switch"}
    assert cycle.orders_sent == 0


async def test_demo_users_are_seeded_running_and_traded(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        simulator={"symbols": 30},
    )
    async with open_container(settings) as c:
        stack = await build_trading(c)
        strategies_ = sorted(a.subscription.config.strategy for a in stack.accounts)
        assert strategies_ == sorted(u.strategy for u in settings.run.users)
        meanrev = next(
            a for a in stack.accounts if a.subscription.config.strategy == "mean_reversion"
        )
        assert meanrev.subscription.capital == Decimal("5000.0")
        again = await build_trading(c)  # a restart finds the same bots
        assert {a.bot_id for a in again.accounts} == {a.bot_id for a in stack.accounts}
        await _cycle(c, stack)
        results = await stack.results()
        assert sorted(r.email for r in results) == sorted(u.email for u in settings.run.users)


async def test_equity_storage_failure_does_not_stop_trading(
    roomy: Container, caplog: pytest.LogCaptureFixture
) -> None:
    c = roomy
    uid = await _user(c)
    await _running_bot(c, uid, params=EAGER)
    async with c.database.transaction() as session:
        await session.execute(text("DROP TABLE equity_marks"))
    stack = TradingStack(c)
    with caplog.at_level(logging.WARNING, logger="simbiot.services.trading"):
        cycle = await _cycle(c, stack)
    assert cycle.orders_sent > 0
    messages = {r.getMessage() for r in caplog.records}
    assert "recorded equity not restored" in messages
    assert "equity marks of this cycle not recorded" in messages
