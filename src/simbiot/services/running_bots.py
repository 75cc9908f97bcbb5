"""The bots the trader runs: every bot whose status is ``running``, read at each cycle.

One query per cycle returns the running bots of active users with their strategy
definitions and (for live bots) their exchange; a bot's trading account is rebuilt only
when its row changed, so a cycle over a thousand unchanged bots costs the query alone.
A bot started through the API is picked up at the next cycle, a stopped one dropped.

A bot's ``params`` carry its trading settings (``capital`` for paper, ``max_slots``);
the strategy and its parameters come from the strategy row's definition. Its owner's
settings document gives the account its risk settings (the deployment's with the user's
overrides) and symbol lists: the running-bots query reads each owner's document version,
and the documents of owners whose version changed are read in one batched query, so a
change written through the API takes effect at the next cycle and an unchanged one costs
nothing. A stored part the engine no longer accepts falls back to the deployment's
defaults and is logged once per version.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.config.sections import RiskSettings, SignalsSettings
from simbiot.domain.errors import ConfigError
from simbiot.execution.accounts import UserAccount
from simbiot.services.user_settings import EffectiveSettings, effective_settings
from simbiot.signals import StrategyConfig, StrategyRegistry, Subscription
from simbiot.storage.database import Database
from simbiot.storage.errors import translated
from simbiot.storage.repositories.orders import paper_account_ref
from simbiot.storage.tables import (
    BotRow,
    ExchangeAccountRow,
    StrategyRow,
    UserRow,
    UserSettingsRow,
)

__all__ = [
    "DEFAULT_CAPITAL",
    "DEFAULT_SLOTS",
    "RunningBot",
    "RunningBots",
    "bot_capital",
    "bot_slots",
    "capitals",
    "strategy_config",
]

DEFAULT_CAPITAL = Decimal(10_000)
DEFAULT_SLOTS = 5

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunningBot:
    """A running bot as the trader sees it: its account and paper capital."""

    bot_id: int
    user_id: int
    strategy: str
    account: UserAccount
    capital: Decimal | None  # paper only
    slots: int


def bot_capital(params: Mapping[str, Any], default: Decimal = DEFAULT_CAPITAL) -> Decimal:
    """A paper bot's starting capital from its params (``default`` when absent or bad)."""
    raw = params.get("capital")
    if raw is None or isinstance(raw, bool):
        return default
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return default
    return value if value.is_finite() and value > 0 else default


def bot_slots(params: Mapping[str, Any]) -> int:
    """A bot's maximum open positions from its params (the default when absent or bad)."""
    raw = params.get("max_slots")
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1:
        return raw
    return DEFAULT_SLOTS


def strategy_config(registry: StrategyRegistry, definition: Mapping[str, Any]) -> StrategyConfig:
    """The checked configuration of a stored strategy definition; ConfigError when bad."""
    name = definition.get("strategy")
    params = definition.get("params", {})
    if not isinstance(name, str) or not isinstance(params, dict):
        raise ConfigError(f"malformed strategy definition: {dict(definition)!r}")
    return registry.default_config(name, **params)


# Bot row, strategy row, exchange account, mode and the owner's settings version.
_Key = tuple[datetime | None, datetime | None, int | None, str, int]


class RunningBots:
    """Reads the running bots each cycle and keeps their accounts between cycles."""

    def __init__(
        self,
        database: Database,
        registry: StrategyRegistry,
        venue: str,
        *,
        default_capital: Decimal = DEFAULT_CAPITAL,
        risk: RiskSettings | None = None,
        signals: SignalsSettings | None = None,
    ) -> None:
        self._db = database
        self._default_capital = default_capital
        self._registry = registry
        self._venue = venue
        self._risk = risk if risk is not None else RiskSettings()
        self._signals = signals if signals is not None else SignalsSettings()
        self._cache: dict[int, tuple[_Key, RunningBot]] = {}
        self._broken: dict[int, _Key] = {}
        self._settings: dict[int, tuple[int, EffectiveSettings]] = {}  # user → version, doc
        self._defaults = self._effective(0, {})

    async def load(self) -> list[RunningBot]:
        """Return every running bot of an active user, in bot id order."""
        query = (
            select(
                BotRow,
                StrategyRow.definition,
                StrategyRow.updated_at,
                ExchangeAccountRow,
                UserSettingsRow.version,
            )
            .join(StrategyRow, StrategyRow.id == BotRow.strategy_id)
            .join(UserRow, UserRow.id == BotRow.user_id)
            .outerjoin(ExchangeAccountRow, ExchangeAccountRow.id == BotRow.account_id)
            .outerjoin(UserSettingsRow, UserSettingsRow.user_id == BotRow.user_id)
            .where(BotRow.status == "running", UserRow.is_active.is_(True))
            .order_by(BotRow.id)
        )
        async with self._db.transaction() as session, translated("load running bots"):
            rows = (await session.execute(query)).all()
            versions = {bot.user_id: version or 0 for bot, *_, version in rows}
            await self._refresh_settings(session, versions)
        out: list[RunningBot] = []
        seen: set[int] = set()
        for bot, definition, strategy_updated, account, version in rows:
            seen.add(bot.id)
            key: _Key = (bot.updated_at, strategy_updated, bot.account_id, bot.mode, version or 0)
            cached = self._cache.get(bot.id)
            if cached is not None and cached[0] == key:
                out.append(cached[1])
                continue
            if self._broken.get(bot.id) == key:
                continue
            running = self._build(bot, definition, account, self.settings_of(bot.user_id))
            if running is None:
                self._broken[bot.id] = key
                continue
            self._cache[bot.id] = (key, running)
            out.append(running)
        for gone in [b for b in self._cache if b not in seen]:
            del self._cache[gone]
        for gone in [b for b in self._broken if b not in seen]:
            del self._broken[gone]
        return out

    def settings_of(self, user_id: int) -> EffectiveSettings:
        """The settings in force for a user of the last load (the defaults when unknown)."""
        known = self._settings.get(user_id)
        return known[1] if known is not None else self._defaults

    async def _refresh_settings(self, session: AsyncSession, versions: Mapping[int, int]) -> None:
        """Read (in one query) the documents of the users whose version is not the cached one;
        forget users without a running bot."""
        for gone in [u for u in self._settings if u not in versions]:
            del self._settings[gone]
        stale = [u for u, v in versions.items() if self._settings.get(u, (-1,))[0] != v]
        unset = [u for u in stale if versions[u] == 0]
        for uid in unset:
            self._settings[uid] = (0, self._defaults)
        wanted = [u for u in stale if versions[u] != 0]
        if not wanted:
            return
        query = select(UserSettingsRow.user_id, UserSettingsRow.version, UserSettingsRow.doc).where(
            UserSettingsRow.user_id.in_(wanted)
        )
        for uid, version, doc in (await session.execute(query)).all():
            self._settings[uid] = (version, self._effective(uid, doc))

    def _effective(self, user_id: int, doc: Any) -> EffectiveSettings:
        if not isinstance(doc, Mapping):
            log.warning("settings of user %d are not an object: defaults apply", user_id)
            doc = {}
        effective = effective_settings(
            doc, risk=self._risk, signals=self._signals, registry=self._registry
        )
        for problem in effective.problems:
            log.warning("settings of user %d: %s (defaults apply to that part)", user_id, problem)
        return effective

    def _build(
        self,
        bot: BotRow,
        definition: dict[str, Any],
        account: ExchangeAccountRow | None,
        settings: EffectiveSettings,
    ) -> RunningBot | None:
        try:
            config = strategy_config(self._registry, definition)
        except ConfigError as exc:
            log.warning("bot %d is not traded: %s", bot.id, exc)
            return None
        params = bot.params or {}
        slots = bot_slots(params)
        risk = None if settings.risk == self._risk else settings.risk
        if bot.mode == "live":
            if account is None:
                log.warning("bot %d is not traded: its exchange account is unavailable", bot.id)
                return None
            sub = Subscription(bot.user_id, config, max_slots=slots)
            ua = UserAccount(
                bot.user_id,
                bot.id,
                account.exchange,
                str(account.id),
                sub,
                paper=False,
                risk=risk,
                symbols=settings.symbols,
            )
            return RunningBot(bot.id, bot.user_id, config.strategy, ua, None, slots)
        capital = bot_capital(params, self._default_capital)
        sub = Subscription(bot.user_id, config, max_slots=slots, capital=capital)
        ref = paper_account_ref(bot.id)
        ua = UserAccount(
            bot.user_id,
            bot.id,
            self._venue,
            ref,
            sub,
            paper=True,
            risk=risk,
            symbols=settings.symbols,
        )
        return RunningBot(bot.id, bot.user_id, config.strategy, ua, capital, slots)


def capitals(bots: Sequence[RunningBot]) -> dict[str, Decimal]:
    """Paper capital by account reference."""
    return {b.account.account_ref: b.capital for b in bots if b.capital is not None}
