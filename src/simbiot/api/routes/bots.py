"""Bots: create (within the plan), list, read, start, stop, delete; a bot's orders, fills,
positions, equity history and PnL.

Another user's bot id answers 404 like a missing one. A plan that does not allow the bot
(strategy, live trading, number of bots) answers 403 with code ``plan_limit``. Started bots
are traded by the running trader from its next cycle; stopped ones open nothing more.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status

from simbiot.api.deps import CurrentUser, Db, Pagination, State
from simbiot.api.errors import ApiError
from simbiot.api.market_services import Markets
from simbiot.api.schemas.bots import (
    BotCreate,
    BotDetailOut,
    BotOut,
    EquityPointOut,
    FillOut,
    OrderOut,
    PnlOut,
    PositionOut,
)
from simbiot.api.schemas.common import ErrorOut, Page, cut_page
from simbiot.api.state import ApiState
from simbiot.domain.errors import ConfigError
from simbiot.services.bot_control import (
    BotSpec,
    PlanRefused,
    create_bot,
    delete_bot,
    start_bot,
    stop_bot,
)
from simbiot.services.bot_pnl import bot_pnl
from simbiot.services.running_bots import bot_capital, bot_slots
from simbiot.storage.repositories import accounts, bot_history, equity
from simbiot.storage.tables import BotRow, StrategyRow

__all__ = ["router"]

router = APIRouter(prefix="/bots", tags=["bots"])

BotId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The id of one of your bots")]

# Equity marks the PnL metrics are computed over (the newest ones).
METRICS_MARKS = 5_000

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not authenticated"},
    404: {"model": ErrorOut, "description": "No such bot of yours"},
}
_PLAN: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Not in your plan (code plan_limit)"},
}


def _now(state: ApiState) -> datetime:
    return datetime.fromtimestamp(state.container.clock.now_ms() / 1000, tz=UTC)


def _plan_limit(exc: PlanRefused) -> ApiError:
    return ApiError(403, str(exc), code="plan_limit")


def _out(bot: BotRow, strategy: StrategyRow, default_capital: Decimal) -> dict[str, Any]:
    definition = strategy.definition or {}
    params = bot.params or {}
    return {
        "id": bot.id,
        "name": bot.name,
        "strategy": str(definition.get("strategy", strategy.name)),
        "params": dict(definition.get("params", {})),
        "mode": bot.mode,
        "status": bot.status,
        "account_id": bot.account_id,
        "capital": bot_capital(params, default_capital) if bot.mode == "paper" else None,
        "max_slots": bot_slots(params),
        "created_at": bot.created_at,
        "started_at": bot.started_at,
        "stopped_at": bot.stopped_at,
    }


def _default_capital(state: ApiState) -> Decimal:
    return Decimal(repr(state.settings.trading.paper_capital))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BotOut,
    responses={**_ERRORS, **_PLAN, 422: {"model": ErrorOut}},
    summary="Create a bot (stopped)",
)
async def create(body: BotCreate, caller: CurrentUser, state: State, session: Db) -> dict[str, Any]:
    spec = BotSpec(
        body.name,
        body.strategy,
        dict(body.params),
        body.mode,
        body.account_id,
        body.capital,
        body.max_slots,
    )
    try:
        bot, strategy = await create_bot(
            session,
            user_id=caller.id,
            spec=spec,
            registry=state.container.strategies,
            billing=state.settings.billing,
            venues=frozenset(state.settings.exchanges.venues),
            default_capital=_default_capital(state),
            now=_now(state),
        )
    except PlanRefused as exc:
        raise _plan_limit(exc) from exc
    except (ConfigError, ValueError) as exc:
        raise ApiError(422, str(exc)) from exc
    await session.flush()
    await session.refresh(bot)
    return _out(bot, strategy, _default_capital(state))


@router.get("", response_model=Page[BotOut], responses=_ERRORS, summary="Your bots")
async def list_bots(
    caller: CurrentUser, state: State, session: Db, page: Pagination
) -> dict[str, Any]:
    rows = await bot_history.bots_page(
        session, user_id=caller.id, limit=page.limit + 1, after=page.after
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    capital = _default_capital(state)
    return {
        "items": [_out(b, s, capital) for b, s in rows],
        "next_cursor": rows[-1][0].id if more and rows else None,
    }


@router.get(
    "/{bot_id}", response_model=BotDetailOut, responses=_ERRORS, summary="A bot and its standing"
)
async def get_bot(bot_id: BotId, caller: CurrentUser, state: State, session: Db) -> dict[str, Any]:
    bot, strategy = await bot_history.bot_with_strategy(session, user_id=caller.id, bot_id=bot_id)
    out = _out(bot, strategy, _default_capital(state))
    mark = await equity.latest(session, user_id=caller.id, bot_id=bot_id)
    held = await bot_history.open_positions(session, user_id=caller.id, bot_id=bot_id)
    start: Decimal | None = out["capital"]
    if start is None:
        first = await equity.page(session, user_id=caller.id, bot_id=bot_id, limit=1)
        start = first[0].equity if first else None
    value = mark.equity if mark is not None else None
    pnl = value - start if value is not None and start is not None else None
    out.update(
        equity=value,
        pnl=pnl,
        pnl_pct=float(pnl / start * 100) if pnl is not None and start else None,
        marked_at=mark.ts if mark is not None else None,
        open_positions=len(held),
    )
    return out


async def _switch(
    bot_id: BotId, caller: CurrentUser, state: State, session: Db, to: Literal["running", "stopped"]
) -> dict[str, Any]:
    now = _now(state)
    try:
        if to == "running":
            await start_bot(
                session, user_id=caller.id, bot_id=bot_id, billing=state.settings.billing, now=now
            )
        else:
            await stop_bot(session, user_id=caller.id, bot_id=bot_id, now=now)
    except PlanRefused as exc:
        raise _plan_limit(exc) from exc
    await session.flush()
    bot, strategy = await bot_history.bot_with_strategy(session, user_id=caller.id, bot_id=bot_id)
    await session.refresh(bot)
    return _out(bot, strategy, _default_capital(state))


@router.post(
    "/{bot_id}/start",
    response_model=BotOut,
    responses={**_ERRORS, **_PLAN},
    summary="Start a bot (traded from the next cycle)",
)
async def start(bot_id: BotId, caller: CurrentUser, state: State, session: Db) -> dict[str, Any]:
    return await _switch(bot_id, caller, state, session, "running")


@router.post(
    "/{bot_id}/stop",
    response_model=BotOut,
    responses=_ERRORS,
    summary="Stop a bot (opens nothing from the next cycle)",
)
async def stop(bot_id: BotId, caller: CurrentUser, state: State, session: Db) -> dict[str, Any]:
    return await _switch(bot_id, caller, state, session, "stopped")


@router.delete(
    "/{bot_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_ERRORS, 409: {"model": ErrorOut, "description": "Running or holding"}},
    summary="Delete a stopped bot without open positions",
)
async def delete(bot_id: BotId, caller: CurrentUser, session: Db) -> Response:
    await delete_bot(session, user_id=caller.id, bot_id=bot_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _page(rows: list[Any], limit: int) -> dict[str, Any]:
    items, cursor = cut_page(rows, limit)
    return {"items": items, "next_cursor": cursor}


@router.get(
    "/{bot_id}/orders", response_model=Page[OrderOut], responses=_ERRORS, summary="A bot's orders"
)
async def orders(
    bot_id: BotId, caller: CurrentUser, session: Db, page: Pagination
) -> dict[str, Any]:
    await bot_history.bot_with_strategy(session, user_id=caller.id, bot_id=bot_id)
    rows = await bot_history.orders_page(
        session, user_id=caller.id, bot_id=bot_id, limit=page.limit + 1, after=page.after
    )
    return _page(list(rows), page.limit)


@router.get(
    "/{bot_id}/fills", response_model=Page[FillOut], responses=_ERRORS, summary="A bot's fills"
)
async def fills(
    bot_id: BotId, caller: CurrentUser, session: Db, page: Pagination
) -> dict[str, Any]:
    await bot_history.bot_with_strategy(session, user_id=caller.id, bot_id=bot_id)
    rows = await bot_history.fills_page(
        session, user_id=caller.id, bot_id=bot_id, limit=page.limit + 1, after=page.after
    )
    return _page(list(rows), page.limit)


@router.get(
    "/{bot_id}/positions",
    response_model=Page[PositionOut],
    responses=_ERRORS,
    summary="A bot's positions",
)
async def positions(
    bot_id: BotId,
    caller: CurrentUser,
    session: Db,
    page: Pagination,
    status_: Annotated[
        Literal["open", "closed"] | None, Query(alias="status", description="Only these")
    ] = None,
) -> dict[str, Any]:
    await bot_history.bot_with_strategy(session, user_id=caller.id, bot_id=bot_id)
    rows = await bot_history.positions_page(
        session,
        user_id=caller.id,
        bot_id=bot_id,
        limit=page.limit + 1,
        after=page.after,
        status=status_,
    )
    return _page(list(rows), page.limit)


@router.get(
    "/{bot_id}/equity",
    response_model=Page[EquityPointOut],
    responses=_ERRORS,
    summary="A bot's equity history (one mark per trading cycle)",
)
async def equity_history(
    bot_id: BotId,
    caller: CurrentUser,
    session: Db,
    page: Pagination,
    since: Annotated[
        datetime | None, Query(description="Only marks from this time (UTC when no zone)")
    ] = None,
) -> dict[str, Any]:
    await bot_history.bot_with_strategy(session, user_id=caller.id, bot_id=bot_id)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    rows = await equity.page(
        session,
        user_id=caller.id,
        bot_id=bot_id,
        limit=page.limit + 1,
        after=page.after,
        since=since,
    )
    return _page(list(rows), page.limit)


@router.get(
    "/{bot_id}/pnl",
    response_model=PnlOut,
    responses=_ERRORS,
    summary="A bot's PnL and performance figures (the backtests' metrics)",
)
async def pnl(bot_id: BotId, caller: CurrentUser, state: State, markets: Markets) -> dict[str, Any]:
    # Rows are read in a short transaction of its own: the price fetch that follows must
    # not hold one (on SQLite it would hold the trader's writes back).
    async with state.container.database.transaction() as session:
        bot, _ = await bot_history.bot_with_strategy(session, user_id=caller.id, bot_id=bot_id)
        fills_ = await bot_history.all_fills(session, user_id=caller.id, bot_id=bot_id)
        marks = await equity.recent(session, user_id=caller.id, bot_id=bot_id, limit=METRICS_MARKS)
        venue: str | None = None
        if bot.mode == "live" and bot.account_id is not None:
            account = await accounts.get(session, user_id=caller.id, account_id=bot.account_id)
            venue = account.exchange
    prices = await markets.prices.prices(venue) if fills_ else {}
    result = await bot_pnl(fills_, marks, prices)
    return {
        "realised": result.realised,
        "unrealised": result.unrealised,
        "total": result.total,
        "fees": result.fees,
        "trades": result.trades,
        "open_positions": len(result.open_lots),
        "metrics": result.metrics.to_json() if result.metrics is not None else None,
    }
