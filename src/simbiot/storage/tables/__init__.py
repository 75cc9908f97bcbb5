"""Every table of Simbiot; importing this package registers them on ``Base.metadata``."""

from __future__ import annotations

from simbiot.storage.base import Base
from simbiot.storage.tables.accounts import ExchangeAccountRow
from simbiot.storage.tables.audit import AuditRow, SymbolProblemRow
from simbiot.storage.tables.auth import RefreshTokenRow
from simbiot.storage.tables.billing import (
    BillingLedgerRow,
    PaymentRow,
    SubscriptionRow,
    WebhookEventRow,
)
from simbiot.storage.tables.jobs import JobRow
from simbiot.storage.tables.models import LearningDecisionRow as LearningDecisionRow
from simbiot.storage.tables.models import ModelVersionRow as ModelVersionRow
from simbiot.storage.tables.orders import FillRow, OrderRow
from simbiot.storage.tables.positions import PositionRow
from simbiot.storage.tables.requests import EquityMarkRow, IdempotencyRow
from simbiot.storage.tables.signals import SignalRow as SignalRow
from simbiot.storage.tables.strategies import BOT_MODES, BotRow, StrategyRow
from simbiot.storage.tables.users import ROLES, UserRow, UserSettingsRow

__all__ = [
    "BOT_MODES",
    "ROLES",
    "AuditRow",
    "Base",
    "BillingLedgerRow",
    "BotRow",
    "EquityMarkRow",
    "ExchangeAccountRow",
    "FillRow",
    "IdempotencyRow",
    "JobRow",
    "OrderRow",
    "PaymentRow",
    "PositionRow",
    "RefreshTokenRow",
    "StrategyRow",
    "SubscriptionRow",
    "SymbolProblemRow",
    "UserRow",
    "UserSettingsRow",
    "WebhookEventRow",
]
