"""The strategy catalogue: every strategy with its parameters' defaults and ranges.

Read from the deployment's strategy registry (built-ins and rule files, in memory), so a
listing costs no database query beyond the caller's plan.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from simbiot.api.deps import Caller, CurrentUser, Db, State
from simbiot.api.errors import ApiError
from simbiot.api.schemas.common import ErrorOut
from simbiot.api.schemas.strategies import ParamSpecOut, StrategyCatalogOut, StrategyOut
from simbiot.api.state import ApiState
from simbiot.billing.entitlements import PlanGrant, current_plan
from simbiot.signals.strategy import Strategy
from simbiot.storage.clock import from_ms

__all__ = ["router"]

router = APIRouter(prefix="/strategies", tags=["strategies"])


async def _plan(db: Db, state: ApiState, caller: Caller) -> PlanGrant:
    now = from_ms(state.container.clock.now_ms())
    return await current_plan(db, user_id=caller.id, settings=state.settings.billing, now=now)


def _out(strategy: Strategy, grant: PlanGrant) -> StrategyOut:
    return StrategyOut(
        name=strategy.name,
        description=strategy.description,
        parameters={
            name: ParamSpecOut.model_validate(spec.to_json())
            for name, spec in strategy.parameters().items()
        },
        allowed=grant.entitlements.allows_strategy(strategy.name),
    )


@router.get("", response_model=StrategyCatalogOut, summary="Every strategy and its parameters")
async def list_strategies(caller: CurrentUser, db: Db, state: State) -> StrategyCatalogOut:
    grant = await _plan(db, state, caller)
    items = [_out(s, grant) for s in state.container.strategies]
    return StrategyCatalogOut(items=items, plan=grant.plan)


@router.get(
    "/{name}",
    response_model=StrategyOut,
    summary="One strategy and its parameters",
    responses={404: {"model": ErrorOut, "description": "No strategy of that name"}},
)
async def get_strategy(
    name: Annotated[str, Path(min_length=1, max_length=128)],
    caller: CurrentUser,
    db: Db,
    state: State,
) -> StrategyOut:
    registry = state.container.strategies
    if name not in registry:
        raise ApiError(404, f"no strategy named {name!r}")
    return _out(registry.get(name), await _plan(db, state, caller))
