"""Per-user settings in the engine: the running bots carry their owners' risk settings and
symbol lists, and the trader and the position monitor trade each account with its own."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, update

from simbiot.config.sections import DatabaseSettings, RiskSettings, SignalsSettings, TradingSettings
from simbiot.domain.clock import LiveClock
from simbiot.domain.market import MarketInfo
from simbiot.execution.accounts import MarketContext, Outcome, UserAccount, UserReport
from simbiot.execution.balances import BalanceCache
from simbiot.execution.events import ExitExecuted, MemoryEventSink
from simbiot.execution.executors import Executors
from simbiot.execution.ledger import Ledger
from simbiot.execution.monitor import PositionMonitor
from simbiot.execution.paper import PaperExecutor
from simbiot.execution.paper_balance import PaperBalances
from simbiot.execution.prices import StaticPrices
from simbiot.execution.reconcile import AccountGuard
from simbiot.execution.trader import Trader
from simbiot.risk.exits import Bar
from simbiot.services.running_bots import RunningBot, RunningBots, capitals
from simbiot.signals import StrategyRegistry
from simbiot.signals.model import Side, Signal
from simbiot.storage.database import Database
from simbiot.storage.repositories import bots, strategies, users
from simbiot.storage.repositories import settings as user_settings
from simbiot.storage.tables import UserSettingsRow

D = Decimal
SYMBOLS = ("AAA/USDT", "BBB/USDT", "CCC/USDT")
RISK = RiskSettings()
VENUE = "mexc"


def _market(symbol: str) -> MarketInfo:
    return MarketInfo(VENUE, symbol, symbol.split("/")[0], "USDT", D("0.0001"), D("0.001"), D("0.001"), D("5"))  # fmt: skip


def _context() -> MarketContext:
    return MarketContext(
        exchange=VENUE,
        regime="bull",
        markets={s: _market(s) for s in SYMBOLS},
        prices=dict.fromkeys(SYMBOLS, D(10)),
        atr=dict.fromkeys(SYMBOLS, 0.2),  # the target volatility: no volatility scaling
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database of each kind."""
    url: str = request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_url"
    )
    return url


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """A migrated database."""
    db = Database(db_url, DatabaseSettings(pool_size=4, max_overflow=4))
    await db.start()
    yield db
    await db.close()


@dataclass
class Desk:
    """Running bots read from the database, traded by one trader and one monitor."""

    db: Database
    registry: StrategyRegistry = field(default_factory=StrategyRegistry.with_builtins)
    clock: LiveClock = field(default_factory=LiveClock)
    running: list[RunningBot] = field(default_factory=list)
    sink: MemoryEventSink = field(default_factory=MemoryEventSink)

    def __post_init__(self) -> None:
        settings = TradingSettings(paper_slippage_bps=0, paper_fee_rate=0)
        self.bots = RunningBots(self.db, self.registry, VENUE, risk=RISK, signals=SignalsSettings())
        self.ledger = Ledger(self.db)
        prices = StaticPrices({(VENUE, s): D(10) for s in SYMBOLS})
        caps: dict[str, Decimal] = {}
        self._caps = caps
        paper_balances = PaperBalances(self.ledger, lambda _u, ref: caps.get(ref, D(0)))
        paper = PaperExecutor(self.ledger, prices, self.clock, settings, paper_balances)
        executors = Executors(paper, self.ledger, self.clock, settings)
        balances = BalanceCache(paper_balances.free_quote, self.clock, 0)
        self.trader = Trader(
            executors=executors,
            ledger=self.ledger,
            balances=balances,
            guard=AccountGuard(),
            risk=RISK,
            settings=settings,
            clock=self.clock,
        )
        self.monitor = PositionMonitor(
            executors=executors,
            ledger=self.ledger,
            balances=balances,
            risk=RISK,
            settings=settings,
            sink=self.sink,
            clock=self.clock,
        )

    async def user(self, settings: Any = None) -> int:
        """A user with a running paper bot (capital 1000) on the default mean reversion."""
        config = self.registry.default_config("mean_reversion")
        async with self.db.transaction() as session:
            user = await users.create(
                session, email=f"u{uuid.uuid4().hex[:12]}@x.io", password_hash="!"
            )
            strat = await strategies.create(
                session,
                user_id=user.id,
                name="mean_reversion",
                kind="builtin",
                definition={"strategy": config.strategy, "params": dict(config.params)},
            )
            bot = await bots.create(
                session,
                user_id=user.id,
                strategy_id=strat.id,
                name="b",
                params={"capital": "1000", "max_slots": 5},
            )
            await bots.set_status(session, user_id=user.id, bot_id=bot.id, status="running")
        if settings is not None:
            await self.write(user.id, settings)
        return user.id

    async def write(self, user_id: int, doc: Any) -> None:
        """Store a settings document as it is (the API validates; stored ones may go stale)."""
        async with self.db.transaction() as session:
            current = await user_settings.get(session, user_id=user_id)
            if current.version == 0:
                await user_settings.put(session, user_id=user_id, doc={}, expected_version=0)
            await session.execute(
                update(UserSettingsRow)
                .where(UserSettingsRow.user_id == user_id)
                .values(doc=doc, version=UserSettingsRow.version + 1)
            )

    async def refresh(self) -> dict[int, UserAccount]:
        self.running = await self.bots.load()
        self._caps.update(capitals(self.running))
        return {b.user_id: b.account for b in self.running}

    async def burst(self, signals: list[Signal]) -> dict[int, UserReport]:
        accounts = await self.refresh()
        reports = await self.trader.on_signals(signals, list(accounts.values()), _context())
        return {r.user_id: r for r in reports}

    async def held(self, user_id: int) -> dict[str, Decimal]:
        rows = await self.ledger.open_positions(user_id=user_id)
        return {p.symbol: p.amount for p in rows}


def _signals(desk: Desk, side: Side = Side.ENTRY_LONG, symbols: tuple[str, ...] = SYMBOLS) -> list[Signal]:  # fmt: skip
    cid = desk.running[0].account.subscription.config_id if desk.running else ""
    return [Signal(cid, s, side, 0.9 - i / 10, "test", 1) for i, s in enumerate(symbols)]


async def _entries(desk: Desk, side: Side = Side.ENTRY_LONG) -> dict[int, UserReport]:
    await desk.refresh()
    return await desk.burst(_signals(desk, side))


def _sent(report: UserReport) -> dict[str, Decimal | None]:
    return {d.symbol: d.amount for d in report.decisions if d.outcome is Outcome.SENT}


async def test_a_tighter_risk_override_trades_smaller_and_fewer(database: Database) -> None:
    desk = Desk(database)
    plain = await desk.user()
    tight = await desk.user({"risk": {"risk_per_trade": 0.005, "max_open_positions": 2}})
    reports = await _entries(desk)
    accounts = {b.user_id: b.account for b in desk.running}
    # Same strategy configuration: one shared evaluation for both.
    assert accounts[plain].subscription.config_id == accounts[tight].subscription.config_id
    assert accounts[plain].risk is None  # no overrides: the deployment's settings
    assert accounts[tight].risk_or(RISK).risk_per_trade == 0.005

    mine, theirs = _sent(reports[plain]), _sent(reports[tight])
    # 1 % of 1000 over a stop 2 ATR (0.4) away: 25 units; half the risk: 12.5.
    assert mine == dict.fromkeys(SYMBOLS, D(25))
    assert theirs == {"AAA/USDT": D("12.5"), "BBB/USDT": D("12.5")}
    skipped = {d.symbol: d.reason for d in reports[tight].decisions if d.outcome is Outcome.SKIPPED}
    assert skipped == {"CCC/USDT": "max_open_positions"}
    assert await desk.held(tight) == {"AAA/USDT": D("12.5"), "BBB/USDT": D("12.5")}


async def test_exit_levels_follow_the_users_multipliers(database: Database) -> None:
    desk = Desk(database)
    plain = await desk.user()
    close = await desk.user({"risk": {"stop_atr": 1.0, "take_profit_r": 2.0}})
    await _entries(desk)
    levels = {}
    for uid in (plain, close):
        rows = await desk.ledger.open_positions(user_id=uid)
        levels[uid] = {(p.stop_price, p.take_profit) for p in rows}
    assert levels[plain] == {(D("9.6"), D("11.2"))}  # 2 ATR stop, 3 R target
    assert levels[close] == {(D("9.8"), D("10.4"))}  # 1 ATR stop, 2 R target


async def test_the_monitor_exits_with_each_users_risk(database: Database) -> None:
    desk = Desk(database)
    plain = await desk.user()
    hasty = await desk.user({"risk": {"max_hold_s": 60}})
    await _entries(desk)
    later = desk.clock.now_ms() + 120_000
    bars = {s: Bar(later, D("10.1"), D("9.9"), D(10)) for s in SYMBOLS}
    accounts = [b.account for b in desk.running]
    report = await desk.monitor.tick(accounts, bars, _context())
    assert report.errors == {}
    assert await desk.held(hasty) == {}  # held past its own 60 s limit: closed
    assert set(await desk.held(plain)) == set(SYMBOLS)  # within the 7-day default
    exits = [e for e in desk.sink.events if isinstance(e, ExitExecuted)]
    assert {e.user_id for e in exits} == {hasty}
    assert {e.kind for e in exits} == {"time"}


async def test_symbol_lists_limit_entries_never_exits(database: Database) -> None:
    desk = Desk(database)
    careful = await desk.user()
    picky = await desk.user({"symbols": {"allow": ["BBB/USDT"]}})
    first = await _entries(desk)
    assert set(_sent(first[careful])) == set(SYMBOLS)
    assert set(_sent(first[picky])) == {"BBB/USDT"}
    excluded = {d.symbol: d.reason for d in first[picky].decisions if d.outcome is Outcome.SKIPPED}
    assert excluded == dict.fromkeys(("AAA/USDT", "CCC/USDT"), "symbol_excluded")

    # Denying a held symbol takes effect at the next refresh; its exit still goes through.
    await desk.write(careful, {"symbols": {"deny": ["AAA/USDT"]}})
    accounts = await desk.refresh()
    assert not accounts[careful].symbols.permits("AAA/USDT")
    exits = await desk.burst(_signals(desk, Side.EXIT_LONG, ("AAA/USDT",)))
    assert set(_sent(exits[careful])) == {"AAA/USDT"}
    assert "AAA/USDT" not in await desk.held(careful)
    again = await desk.burst(_signals(desk, symbols=("AAA/USDT",)))
    assert [(d.outcome, d.reason) for d in again[careful].decisions] == [
        (Outcome.SKIPPED, "symbol_excluded")
    ]
    assert "AAA/USDT" not in await desk.held(careful)


async def test_a_settings_change_applies_at_the_next_refresh(database: Database) -> None:
    desk = Desk(database)
    uid = await desk.user()
    assert (await desk.refresh())[uid].risk is None
    await desk.write(uid, {"risk": {"max_position_fraction": 0.1}})
    changed = (await desk.refresh())[uid]
    assert changed.risk_or(RISK).max_position_fraction == 0.1
    reports = await desk.burst(_signals(desk))
    # 10 % of 1000 at 10: at most 10 units per position.
    assert _sent(reports[uid]) == dict.fromkeys(SYMBOLS, D(10))
    await desk.write(uid, {})
    assert (await desk.refresh())[uid].risk is None


@pytest.mark.parametrize(
    "doc",
    [
        {"risk": {"risk_per_trade": 5}},  # beyond the bound the deployment now sets
        {"risk": {"fee_rate": 0}},  # not a per-user field
        {"risk": "tight", "symbols": {"deny": "AAA/USDT"}},
        ["not", "an", "object"],
    ],
)
async def test_a_bad_stored_document_falls_back_to_the_defaults(
    database: Database, doc: Any, caplog: pytest.LogCaptureFixture
) -> None:
    desk = Desk(database)
    plain = await desk.user()
    broken = await desk.user(doc)
    with caplog.at_level(logging.WARNING, logger="simbiot.services.running_bots"):
        reports = await _entries(desk)
    account = next(b.account for b in desk.running if b.user_id == broken)
    assert account.risk is None
    assert account.symbols.permits("AAA/USDT")
    assert _sent(reports[broken]) == _sent(reports[plain]) == dict.fromkeys(SYMBOLS, D(25))
    assert any(f"settings of user {broken}" in r.getMessage() for r in caplog.records)
    # Logged once per stored version, not at every refresh.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="simbiot.services.running_bots"):
        await desk.refresh()
    assert caplog.records == []


@pytest.fixture
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement the database runs, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        seen.append((sql, params))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def test_settings_are_read_in_one_query_and_only_when_changed(
    database: Database, statements: list[tuple[str, Any]]
) -> None:
    desk = Desk(database)
    ids = [await desk.user({"risk": {"stop_atr": 1.0 + i / 10}}) for i in range(4)]
    await desk.user()  # no settings at all: nothing to read

    def doc_reads() -> list[tuple[str, Any]]:
        return [(sql, p) for sql, p in statements if "user_settings.doc" in sql]

    statements.clear()
    first = await desk.refresh()
    assert len(doc_reads()) == 1
    assert [first[u].risk_or(RISK).stop_atr for u in ids] == [1.0, 1.1, 1.2, 1.3]

    statements.clear()
    await desk.refresh()
    assert doc_reads() == []  # unchanged versions: cached

    await desk.write(ids[2], {"risk": {"stop_atr": 3.0}})
    statements.clear()
    after = await desk.refresh()
    reads = doc_reads()
    assert len(reads) == 1
    assert ids[2] in _flat(reads[0][1])
    assert ids[0] not in _flat(reads[0][1])
    assert after[ids[2]].risk_or(RISK).stop_atr == 3.0
    assert after[ids[0]] is first[ids[0]]  # an unchanged bot keeps its account


def _flat(params: Any) -> list[Any]:
    if isinstance(params, dict):
        return list(params.values())
    return list(params)
