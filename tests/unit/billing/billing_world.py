"""A migrated database, a sandbox provider and a simulated clock for billing tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from simbiot.billing.sandbox import SandboxProvider
from simbiot.billing.webhooks import Receipt, ingest
from simbiot.config.sections import BillingSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.security.secrets import CredentialCipher, ExchangeCredentials
from simbiot.storage.database import Database
from simbiot.storage.repositories import accounts, bots, strategies, users
from simbiot.storage.tables import PaymentRow, SubscriptionRow

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET = b"unit-test-webhook-secret"
CIPHER = CredentialCipher({"k1": b"\x01" * 32}, "k1")


@dataclass
class World:
    """Everything a billing scenario needs, with helpers to arrange and advance it."""

    database: Database
    clock: SimulatedClock
    settings: BillingSettings
    provider: SandboxProvider

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta).total_seconds())

    async def user(self) -> int:
        async with self.database.transaction() as s:
            row = await users.create(s, email=f"{uuid.uuid4().hex[:10]}@x.io", password_hash="h")
            return row.id

    async def bots(self, user_id: int, *modes: str) -> list[int]:
        """Create running bots of the given modes (a live one on a stored account)."""
        ids = []
        async with self.database.transaction() as s:
            strat = await strategies.create(
                s, user_id=user_id, name="s", kind="trend", definition={"a": 1}
            )
            account_id = None
            if "live" in modes:
                account = await accounts.add(
                    s,
                    CIPHER,
                    user_id=user_id,
                    exchange="binance",
                    label="main",
                    credentials=ExchangeCredentials(api_key="key-1234", secret="s"),
                )
                account_id = account.id
            for mode in modes:
                bot = await bots.create(
                    s,
                    user_id=user_id,
                    strategy_id=strat.id,
                    name=f"b-{mode}",
                    mode=mode,
                    account_id=account_id if mode == "live" else None,
                    params={},
                )
                await bots.set_status(s, user_id=user_id, bot_id=bot.id, status="running")
                ids.append(bot.id)
        return ids

    async def bot_statuses(self, user_id: int) -> dict[int, str]:
        async with self.database.transaction() as s:
            return {b.id: b.status for b in await bots.list_for_user(s, user_id=user_id)}

    async def deliver(self, headers: dict[str, str], body: bytes) -> Receipt:
        async with self.database.transaction() as s:
            return await ingest(
                s,
                provider=self.provider,
                headers=headers,
                body=body,
                settings=self.settings,
                now=self.now,
            )

    async def pay(self, payment: PaymentRow, *, paid: bool = True) -> Receipt:
        delivery = self.provider.settle(
            provider_ref=payment.provider_ref,
            amount=payment.amount,
            currency=payment.currency,
            paid=paid,
            now_s=int(self.now.timestamp()),
        )
        return await self.deliver(delivery.headers, delivery.body)

    async def payment(self, payment_id: int) -> PaymentRow:
        async with self.database.transaction() as s:
            row = await s.get(PaymentRow, payment_id)
            assert row is not None
            return row

    async def subscriptions(self, user_id: int) -> list[SubscriptionRow]:
        async with self.database.transaction() as s:
            rows = await s.scalars(
                select(SubscriptionRow)
                .where(SubscriptionRow.user_id == user_id)
                .order_by(SubscriptionRow.id)
            )
            return list(rows.all())


def billing_settings(**overrides: Any) -> BillingSettings:
    return BillingSettings.model_validate(overrides)
