"""Trading engine: one signal burst fanned out to 1,000 and 10,000 paper users.

200 symbols, 20 strategy configurations with 10 entry signals each; every user follows
one configuration with 3 slots, so each user ends with 3 paper orders (sized, limited,
recorded with fills and positions) and 7 skips. Figures, per database (SQLite file and a
PostgreSQL database created and dropped here): time from the burst to every decision
taken and recorded, orders and decisions per second, peak memory growth of the process.
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

SYMBOLS = 200
CONFIGS = 20
POSTGRES_ADMIN = os.environ.get(
    "SIMBIOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _seed(db: Any, users: int) -> list[Any]:
    from sqlalchemy import insert, select

    from simbiot.execution.accounts import UserAccount
    from simbiot.signals.model import StrategyConfig, Subscription
    from simbiot.storage.repositories import orders as orders_repo
    from simbiot.storage.repositories import strategies
    from simbiot.storage.tables import BotRow, UserRow

    async with db.transaction() as session:
        strat = await strategies.create(session, user_id=None, name="s", kind="rule", definition={})
        await session.execute(
            insert(UserRow),
            [{"email": f"u{i}@bench.io", "password_hash": "x"} for i in range(users)],
        )
        ids = list(await session.scalars(select(UserRow.id).order_by(UserRow.id)))
        await session.execute(
            insert(BotRow),
            [
                {"user_id": u, "strategy_id": strat.id, "name": "b", "mode": "paper", "params": {}}
                for u in ids
            ],
        )
        bots = list(await session.execute(select(BotRow.id, BotRow.user_id).order_by(BotRow.id)))
    configs = [StrategyConfig("bench", {"k": k}) for k in range(CONFIGS)]
    return [
        UserAccount(
            user_id,
            bot_id,
            "mexc",
            orders_repo.paper_account_ref(bot_id),
            Subscription(user_id, configs[n % CONFIGS], max_slots=3),
        )
        for n, (bot_id, user_id) in enumerate(bots)
    ]


def _burst() -> tuple[list[Any], Any]:
    from simbiot.domain.market import MarketInfo
    from simbiot.execution.accounts import MarketContext
    from simbiot.signals.model import Side, Signal, StrategyConfig

    symbols = [f"S{i:03d}/USDT" for i in range(SYMBOLS)]
    markets = {
        s: MarketInfo(
            "mexc",
            s,
            s[:4],
            "USDT",
            Decimal("0.0001"),
            Decimal("0.01"),
            Decimal("0.01"),
            Decimal("5"),
        )
        for s in symbols
    }
    prices = {s: Decimal(10 + i % 50) for i, s in enumerate(symbols)}
    ctx = MarketContext(
        "mexc", "bull", markets, prices, {s: float(p) * 0.02 for s, p in prices.items()}
    )
    configs = [StrategyConfig("bench", {"k": k}) for k in range(CONFIGS)]
    signals = [
        Signal(configs[i % CONFIGS].config_id, s, Side.ENTRY_LONG, 0.5 + (i % 7) / 20, "b", 1)
        for i, s in enumerate(symbols)
    ]
    return signals, ctx


async def _one(url: str, users: int) -> dict[str, Any]:
    from simbiot.config.sections import DatabaseSettings, RiskSettings, TradingSettings
    from simbiot.domain.clock import LiveClock
    from simbiot.execution.balances import BalanceCache
    from simbiot.execution.executors import Executors
    from simbiot.execution.ledger import Ledger
    from simbiot.execution.paper import PaperExecutor
    from simbiot.execution.paper_balance import PaperBalances
    from simbiot.execution.prices import StaticPrices
    from simbiot.execution.reconcile import AccountGuard
    from simbiot.execution.trader import Trader
    from simbiot.storage.database import Database

    db = Database(url, DatabaseSettings(pool_size=16, max_overflow=8))
    await db.start()
    try:
        accounts = await _seed(db, users)
        signals, ctx = _burst()
        settings = TradingSettings(max_concurrent_users=32, user_timeout_s=600)
        clock = LiveClock()
        ledger = Ledger(db)
        prices = StaticPrices({("mexc", s): p for s, p in ctx.prices.items()})
        paper_balances = PaperBalances(ledger, lambda u, a: Decimal(10_000))
        paper = PaperExecutor(ledger, prices, clock, settings, paper_balances)
        trader = Trader(
            executors=Executors(paper, ledger, clock, settings),
            ledger=ledger,
            balances=BalanceCache(paper_balances.free_quote, clock, settings.balance_ttl_s),
            guard=AccountGuard(),
            risk=RiskSettings(),
            settings=settings,
            clock=clock,
        )
        rss_before = _rss_mib()
        started = time.perf_counter()
        reports = await trader.on_signals(signals, accounts, ctx)
        elapsed = time.perf_counter() - started
        decisions = [d for r in reports for d in r.decisions]
        sent = sum(1 for d in decisions if d.outcome.value == "sent")
        errors = sum(1 for r in reports if r.error)
        return {
            "users": users,
            "signals": len(signals),
            "decisions": len(decisions),
            "orders": sent,
            "user_errors": errors,
            "burst_to_recorded_s": round(elapsed, 3),
            "orders_per_s": round(sent / elapsed, 1),
            "decisions_per_s": round(len(decisions) / elapsed, 1),
            "peak_rss_growth_mib": round(_rss_mib() - rss_before, 1),
        }
    finally:
        await db.close()


async def _postgres(users: int) -> dict[str, Any]:
    import asyncpg

    admin = POSTGRES_ADMIN.replace("+asyncpg", "")
    name = f"simbiot_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        return await _one(POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}", users)
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def _main(quick: bool) -> dict[str, Any]:
    sizes = [1_000] if quick else [1_000, 10_000]
    out: dict[str, Any] = {"symbols": SYMBOLS, "configs": CONFIGS, "runs": []}
    for users in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            out["runs"].append({"db": "sqlite", **await _one(url, users)})
        try:
            out["runs"].append({"db": "postgresql", **await _postgres(users)})
        except OSError as exc:
            out["runs"].append({"db": "postgresql", "users": users, "skipped": str(exc)})
    return out


def run(quick: bool = False) -> dict[str, Any]:
    """Run the trading bench; ``quick`` runs 1,000 users only."""
    return asyncio.run(_main(quick))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv), indent=2))
