"""Market views for users (P3): market state, the X-ray ranking (cut to the plan's
``xray_top``), strategy signals (strategies of the plan) and model predictions (plans with
``ml_features``); a plan that does not include them answers 403 ``plan_limit``.

Everything is served from the cache the running analysis fills; a missing entry is
recomputed once for every user (see ``services.market_feed``); with no candles stored yet
the analysis is the flagged default state. 503 answers only while another process holds
the recomputation and no analysis exists yet.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query

from simbiot.api.deps import CurrentUser, State
from simbiot.api.errors import ApiError
from simbiot.api.market_services import Markets
from simbiot.api.schemas.common import ErrorOut
from simbiot.api.schemas.market import MarketStateOut, PredictionsOut, SignalsOut, XRayOut
from simbiot.api.state import ApiState
from simbiot.billing.entitlements import PlanGrant, current_plan
from simbiot.domain.errors import ConfigError
from simbiot.services.running_bots import strategy_config
from simbiot.signals import StrategyConfig
from simbiot.storage.repositories import bot_history

__all__ = ["router"]

router = APIRouter(tags=["market"])

# Symbols one predictions request may name.
MAX_SYMBOLS = 200
# The user's own bot configurations considered for their signals.
MAX_BOT_CONFIGS = 1_000

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not authenticated"},
    503: {"model": ErrorOut, "description": "No market analysis available yet"},
}
_PLAN: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Not in your plan (code plan_limit)"},
}
_HEADER = (
    "exchange",
    "timeframe",
    "generated_at",
    "generated_at_ms",
    "candle_ms",
    "market_state",
    "scanned",
    "filtered",
)


async def _plan(state: ApiState, user_id: int) -> PlanGrant:
    """The caller's plan, read in a transaction of its own: no request here holds one while
    the analysis may run (on SQLite it would lock out the analysis' own writes)."""
    now = datetime.fromtimestamp(state.container.clock.now_ms() / 1000, tz=UTC)
    async with state.container.database.read() as session:
        return await current_plan(
            session, user_id=user_id, settings=state.settings.billing, now=now
        )


async def _snapshot(markets: Markets) -> dict[str, Any]:
    doc = await markets.feed.snapshot()
    if doc is None:
        raise ApiError(503, "no market analysis is available yet; try again shortly")
    return doc


@router.get(
    "/market/state",
    response_model=MarketStateOut,
    responses=_ERRORS,
    summary="The market's regime at the latest analysed candle",
)
async def market_state(caller: CurrentUser, markets: Markets) -> dict[str, Any]:
    doc = await _snapshot(markets)
    return {k: doc.get(k) for k in _HEADER}


@router.get(
    "/xray",
    response_model=XRayOut,
    responses=_ERRORS,
    summary="The X-ray ranking (at most your plan's xray_top symbols)",
)
async def xray(
    caller: CurrentUser,
    state: State,
    markets: Markets,
    top: Annotated[int | None, Query(ge=1, le=10_000, description="Symbols wanted")] = None,
) -> dict[str, Any]:
    grant = await _plan(state, caller.id)
    allowed = grant.entitlements.xray_top
    doc = await _snapshot(markets)
    n = min(allowed, top) if top is not None else allowed
    rows = list(doc.get("symbols") or [])[:n]
    return {
        **{k: doc.get(k) for k in _HEADER},
        "top": len(rows),
        "plan_top": allowed,
        "symbols": rows,
    }


@router.get(
    "/signals",
    response_model=SignalsOut,
    responses={**_ERRORS, **_PLAN, 422: {"model": ErrorOut}},
    summary="Latest signals of a strategy (its defaults and your bots' settings)",
)
async def signals(
    caller: CurrentUser,
    state: State,
    markets: Markets,
    strategy: Annotated[
        str | None, Query(max_length=128, description="A strategy name (all of your plan's)")
    ] = None,
) -> dict[str, Any]:
    registry = state.container.strategies
    grant = await _plan(state, caller.id)
    if strategy is not None:
        if strategy not in registry:
            raise ApiError(422, f"unknown strategy {strategy!r}")
        if not grant.entitlements.allows_strategy(strategy):
            raise ApiError(
                403, f"strategy {strategy!r} is not in plan {grant.plan!r}", code="plan_limit"
            )
        names = [strategy]
    else:
        names = [s.name for s in registry if grant.entitlements.allows_strategy(s.name)]
    configs: dict[str, StrategyConfig] = {}
    for name in names:
        config = registry.default_config(name)
        configs[config.config_id] = config
    async with state.container.database.transaction() as session:
        own = await bot_history.bots_page(session, user_id=caller.id, limit=MAX_BOT_CONFIGS)
    for _, row in own:
        try:
            config = strategy_config(registry, row.definition)
        except ConfigError:
            continue
        if config.strategy in names:
            configs[config.config_id] = config
    return {"items": await markets.feed.signals(list(configs.values()))}


@router.get(
    "/predictions",
    response_model=PredictionsOut,
    responses={**_ERRORS, **_PLAN, 422: {"model": ErrorOut}},
    summary="Model predictions per symbol (plans with ML features)",
)
async def predictions(
    caller: CurrentUser,
    state: State,
    markets: Markets,
    symbols: Annotated[
        str | None,
        Query(max_length=8_000, description="Comma-separated symbols (all when absent)"),
    ] = None,
) -> dict[str, Any]:
    grant = await _plan(state, caller.id)
    if not grant.entitlements.ml_features:
        raise ApiError(403, f"plan {grant.plan!r} has no ML features", code="plan_limit")
    wanted: set[str] | None = None
    if symbols is not None:
        wanted = {s.strip().upper() for s in symbols.split(",") if s.strip()}
        if not wanted or len(wanted) > MAX_SYMBOLS:
            raise ApiError(422, f"name 1 to {MAX_SYMBOLS} symbols")
    models: dict[str, Any] = {}
    for name, p in (await markets.feed.predictions()).items():
        values = {
            sym: (float(v) if np.isfinite(v) else None)
            for sym, v in zip(p.symbols, p.values.tolist(), strict=True)
            if wanted is None or sym in wanted
        }
        models[name] = {
            "model": p.model,
            "version": p.version,
            "timestamp": p.timestamp,
            "values": values,
        }
    return {"models": models}
