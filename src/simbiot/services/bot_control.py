"""Creating, starting, stopping and deleting a user's bots, within the user's plan.

A bot follows a strategy of the registry with checked parameters (stored as the user's own
strategy row, so equal configurations share one evaluation) and trades on paper with its
own capital or live on one of the user's exchange accounts. The plan in force
(``billing.entitlements.current_plan``) decides which strategies, whether live trading,
and how many bots; a refusal raises :class:`PlanRefused`. A bot created without a strategy
follows the one chosen in the user's settings. The running trader picks a
started bot up at its next cycle and drops a stopped one.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.billing.entitlements import PlanGrant, current_plan
from simbiot.config.sections import BillingSettings
from simbiot.domain.errors import Conflict, NotFound, SimbiotError
from simbiot.services.user_settings import SettingsInvalid, effective_strategy
from simbiot.signals import StrategyConfig, StrategyRegistry
from simbiot.storage.repositories import accounts, bot_history, bots, strategies
from simbiot.storage.repositories import settings as user_settings
from simbiot.storage.tables import BotRow, StrategyRow

__all__ = [
    "BotSpec",
    "PlanRefused",
    "create_bot",
    "delete_bot",
    "start_bot",
    "stop_bot",
]


class PlanRefused(SimbiotError):
    """The user's plan does not allow this (answered 403 ``plan_limit``)."""


@dataclass(frozen=True, slots=True)
class BotSpec:
    """What a user asks for: checked by :func:`create_bot` against registry and plan."""

    name: str
    strategy: str | None  # None: the strategy chosen in the user's settings
    params: dict[str, Any]
    mode: str = "paper"
    account_id: int | None = None
    capital: Decimal | None = None
    max_slots: int = 5


def _check_plan(grant: PlanGrant, *, strategy: str, live: bool, bots_now: int) -> None:
    ent = grant.entitlements
    if not ent.allows_strategy(strategy):
        raise PlanRefused(f"strategy {strategy!r} is not in plan {grant.plan!r}")
    if live and not ent.live_trading:
        raise PlanRefused(f"plan {grant.plan!r} does not include live trading")
    if bots_now >= ent.max_bots:
        raise PlanRefused(f"plan {grant.plan!r} allows {ent.max_bots} bot(s)")


async def _bot_config(
    session: AsyncSession, *, user_id: int, spec: BotSpec, registry: StrategyRegistry
) -> StrategyConfig:
    """The bot's strategy: the one named, else the settings' choice; its parameters laid
    over the settings' ones when it is the strategy chosen there, else its defaults."""
    doc = (await user_settings.get(session, user_id=user_id)).doc
    try:
        chosen = effective_strategy(doc, registry)
    except SettingsInvalid as exc:
        if spec.strategy is None:
            raise ValueError(
                f"strategy is missing and your settings' choice is refused: {exc}"
            ) from None
        chosen = None  # a stale choice in the settings does not matter to a named strategy
    name = spec.strategy or (chosen[0] if chosen is not None else None)
    if name is None:
        raise ValueError(
            "strategy is missing: name one, or choose one in your settings (PUT /api/v1/settings)"
        )
    base = dict(chosen[1]) if chosen is not None and chosen[0] == name else {}
    return registry.default_config(name, **{**base, **spec.params})


async def create_bot(
    session: AsyncSession,
    *,
    user_id: int,
    spec: BotSpec,
    registry: StrategyRegistry,
    billing: BillingSettings,
    venues: frozenset[str],
    default_capital: Decimal,
    now: datetime,
) -> tuple[BotRow, StrategyRow]:
    """Create a stopped bot; raise ConfigError for a bad strategy or parameters,
    ValueError when no strategy is named nor chosen in the user's settings, ``NotFound``
    for an account that is not the user's, ``PlanRefused`` past the plan."""
    config = await _bot_config(session, user_id=user_id, spec=spec, registry=registry)
    live = spec.mode == "live"
    if live:
        if spec.account_id is None:
            raise ValueError("a live bot needs account_id (one of your exchange keys)")
        account = await accounts.get(session, user_id=user_id, account_id=spec.account_id)
        if account.exchange not in venues:
            raise ValueError(f"exchange {account.exchange!r} of that key is not traded here")
    elif spec.account_id is not None:
        raise ValueError("a paper bot takes no account_id")
    grant = await current_plan(session, user_id=user_id, settings=billing, now=now)
    owned = await bots.list_for_user(session, user_id=user_id)
    _check_plan(grant, strategy=config.strategy, live=live, bots_now=len(owned))
    strategy = await strategies.create(
        session,
        user_id=user_id,
        name=config.strategy,
        kind="builtin",
        definition={"strategy": config.strategy, "params": dict(config.params)},
    )
    params: dict[str, Any] = {"max_slots": spec.max_slots}
    if not live:
        params["capital"] = str(spec.capital if spec.capital is not None else default_capital)
    row = await bots.create(
        session,
        user_id=user_id,
        strategy_id=strategy.id,
        name=spec.name,
        mode=spec.mode,
        account_id=spec.account_id if live else None,
        params=params,
    )
    return row, strategy


async def start_bot(
    session: AsyncSession,
    *,
    user_id: int,
    bot_id: int,
    billing: BillingSettings,
    now: datetime,
) -> BotRow:
    """Mark the bot running (the trader trades it from its next cycle); a running bot is
    left as it is. ``PlanRefused`` when the plan no longer allows it."""
    row = await bots.get(session, user_id=user_id, bot_id=bot_id)
    if row.status == "running":
        return row
    strategy = await strategies.get(session, user_id=user_id, strategy_id=row.strategy_id)
    name = str(strategy.definition.get("strategy", strategy.name))
    grant = await current_plan(session, user_id=user_id, settings=billing, now=now)
    running = [
        b
        for b in await bots.list_for_user(session, user_id=user_id)
        if b.status == "running" and b.id != row.id
    ]
    _check_plan(grant, strategy=name, live=row.mode == "live", bots_now=len(running))
    return await bots.set_status(session, user_id=user_id, bot_id=bot_id, status="running", at=now)


async def stop_bot(session: AsyncSession, *, user_id: int, bot_id: int, now: datetime) -> BotRow:
    """Mark the bot stopped: the trader opens nothing more for it from its next cycle."""
    row = await bots.get(session, user_id=user_id, bot_id=bot_id)
    if row.status == "stopped":
        return row
    return await bots.set_status(session, user_id=user_id, bot_id=bot_id, status="stopped", at=now)


async def delete_bot(session: AsyncSession, *, user_id: int, bot_id: int) -> None:
    """Delete a stopped bot without open positions, and its own strategy row when no
    other bot uses it; ``Conflict`` otherwise. Orders and fills keep their history."""
    row = await bots.get(session, user_id=user_id, bot_id=bot_id)
    if row.status == "running":
        raise Conflict("stop the bot before deleting it")
    if await bot_history.open_positions(session, user_id=user_id, bot_id=bot_id):
        raise Conflict("the bot still holds open positions")
    strategy_id = row.strategy_id
    await bots.delete(session, user_id=user_id, bot_id=bot_id)
    others = [
        b
        for b in await bots.list_for_user(session, user_id=user_id)
        if b.strategy_id == strategy_id
    ]
    if not others:
        # A built-in or shared strategy stays.
        with contextlib.suppress(NotFound, Conflict):
            await strategies.delete(session, user_id=user_id, strategy_id=strategy_id)
