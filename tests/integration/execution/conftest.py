"""The simulator over HTTP, the exchange layer through real ccxt, and a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from simbiot.config.sections import (
    DatabaseSettings,
    ExchangeSettings,
    ExchangesSettings,
    RateLimitSettings,
    RetrySettings,
    TradingSettings,
)
from simbiot.domain.clock import LiveClock
from simbiot.domain.market import MarketInfo
from simbiot.domain.orders import OrderSide, OrderType
from simbiot.exchange.ccxt.factory import Credentials
from simbiot.exchange.clients import ClientRegistry
from simbiot.exchange.ports import TradingPort
from simbiot.exchange.simulator import FaultSpec, SimulatorConfig, SimulatorServer
from simbiot.exchange.throttle import MemoryRateLimiter
from simbiot.execution.ledger import Ledger
from simbiot.execution.live import LiveExecutor
from simbiot.execution.model import OrderRequest, new_client_order_id
from simbiot.storage.database import Database
from simbiot.storage.repositories import bots, strategies, users

KEY, SECRET = "KEY", "SECRET"
ACCOUNT = "acct:1"


async def _credentials(venue: str, user_id: str, account_id: str) -> Credentials:
    return Credentials(SecretStr(KEY), SecretStr(SECRET))


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
class Env:
    """A running venue, a client registry, the ledger and a user with a paper bot."""

    server: SimulatorServer
    registry: ClientRegistry
    db: Database
    ledger: Ledger
    settings: TradingSettings
    user_id: int
    bot_id: int
    clock: LiveClock

    async def port(self) -> TradingPort:
        return await self.registry.trading("mexc", str(self.user_id), "1")

    async def executor(self) -> LiveExecutor:
        return LiveExecutor(await self.port(), self.ledger, self.clock, self.settings)

    def fault(self, kind: str, **kw: Any) -> FaultSpec:
        return self.server.faults.add(FaultSpec(kind=kind, **kw))

    async def market(self, symbol: str = "BTC/USDT") -> tuple[MarketInfo, Decimal]:
        md = self.registry.market_data("mexc")
        info = (await md.load_markets())[symbol]
        last = Decimal(str((await md.fetch_tickers())[symbol].last))
        return info, last

    async def request(
        self,
        symbol: str = "BTC/USDT",
        *,
        quote: Decimal = Decimal("100"),
        side: OrderSide = OrderSide.BUY,
        type: OrderType = OrderType.MARKET,
        price_factor: Decimal = Decimal(1),
        amount: Decimal | None = None,
    ) -> OrderRequest:
        info, last = await self.market(symbol)
        price = quantize(last * price_factor, info.price_step)
        if amount is None:
            amount = quantize(quote / last, info.amount_step) + info.amount_step
        return OrderRequest(
            user_id=self.user_id,
            bot_id=None,
            exchange="mexc",
            account_ref=ACCOUNT,
            symbol=symbol,
            side=side,
            type=type,
            amount=amount,
            price=price if type is OrderType.LIMIT else last,
            client_order_id=new_client_order_id("t"),
        )

    def venue_orders(self) -> dict[str, Any]:
        """The simulator's orders of our account, by client order id."""
        return {
            o.client_order_id: o
            for o in self.server.exchange_state.orders.values()
            if o.api_key == KEY
        }


def quantize(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def trading_settings(**over: Any) -> TradingSettings:
    values: dict[str, Any] = {
        "reconcile_grace_s": 0.4,
        "reconcile_backoff_s": 0.05,
        "reconcile_backoff_max_s": 0.2,
    }
    values.update(over)
    return TradingSettings(**values)


@pytest.fixture
async def env(database: Database) -> AsyncIterator[Env]:
    server = SimulatorServer(SimulatorConfig(symbols=50, seed=7, manual_clock=True))
    base_url = await server.start()
    server.add_account(KEY, SECRET, {"USDT": Decimal("10000")})
    clock = LiveClock()
    settings = ExchangeSettings(
        base_url=base_url,
        timeout_s=2.0,
        rate_limit=RateLimitSettings(
            ip_weight_per_minute=100_000, account_weight_per_minute=100_000
        ),
        retry=RetrySettings(attempts=3, base_delay_s=0.02, max_delay_s=0.5, jitter=0.1),
    )
    registry = ClientRegistry(
        ExchangesSettings(default="mexc", venues={"mexc": settings}),
        MemoryRateLimiter(clock),
        clock,
        credentials=_credentials,
    )
    async with database.transaction() as session:
        user = await users.create(session, email="trader@x.io", password_hash="h")
        strat = await strategies.create(session, user_id=None, name="s", kind="rule", definition={})
        bot = await bots.create(session, user_id=user.id, strategy_id=strat.id, name="b")
        user_id, bot_id = user.id, bot.id
    try:
        yield Env(
            server, registry, database, Ledger(database), trading_settings(), user_id, bot_id, clock
        )
    finally:
        await registry.close_all()
        await server.stop()
