"""Backtests and optimisations run in the background: submit (202), follow, report, cancel.

A submission is counted against the plan's ``backtests_per_day`` (then credits) in the
same transaction that queues it, so a refused one leaves nothing behind.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.api.deps import CurrentUser, Db, Pagination, State
from simbiot.api.errors import ApiError
from simbiot.api.jobs import BACKTEST, OPTIMISATION, job_service_of
from simbiot.api.schemas.common import ErrorOut, Page
from simbiot.api.schemas.jobs import BacktestIn, JobOut, OptimisationIn
from simbiot.api.state import ApiState
from simbiot.billing.entitlements import current_plan
from simbiot.billing.errors import PlanLimit
from simbiot.billing.usage import consume_backtest
from simbiot.domain.errors import ConfigError, NotFound
from simbiot.storage.repositories import jobs
from simbiot.storage.tables import JobRow

__all__ = ["router"]

router = APIRouter(tags=["jobs"])

_SUBMIT_ERRORS: dict[int | str, dict[str, Any]] = {
    402: {"model": ErrorOut, "description": "Daily allowance used up and not enough credits"},
    403: {"model": ErrorOut, "description": "The plan does not include that strategy"},
    422: {"model": ErrorOut, "description": "Unknown strategy or exchange, bad values"},
}
_READ_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}}
# Ids are 64-bit: a larger number is a 422, never a database overflow.
JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Job id")]


def _ms(at: datetime | None) -> int | None:
    if at is None:
        return None
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


def job_out(row: JobRow) -> JobOut:
    """The API's view of a job row."""
    metrics = result = None
    if row.status == "succeeded" and row.result is not None:
        if row.kind == BACKTEST:
            metrics = row.result.get("metrics")
        else:
            result = row.result
    return JobOut(
        id=row.id,
        kind=row.kind,
        status=row.status,
        progress=row.progress,
        attempts=row.attempts,
        params=row.params,
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        metrics=metrics,
        result=result,
    )


async def _submit(
    state: ApiState, db: AsyncSession, user_id: int, kind: str, params: dict[str, Any]
) -> JobOut:
    name = params["strategy"]
    if name not in state.container.strategies:
        raise ApiError(422, f"unknown strategy {name!r}", code="unknown_strategy")
    try:
        params["exchange"] = state.container.venue(params.get("exchange"))
    except ConfigError as exc:
        raise ApiError(422, str(exc), code="unknown_exchange") from exc
    now = state.container.clock.now()
    grant = await current_plan(db, user_id=user_id, settings=state.settings.billing, now=now)
    if not grant.entitlements.allows_strategy(name):
        raise ApiError(403, f"the {grant.plan} plan does not include {name!r}", code="plan_limit")
    row = await jobs.create(db, user_id=user_id, kind=kind, params=params, now=now)
    try:
        await consume_backtest(db, user_id, state.settings.billing, now, f"job-{row.id}")
    except PlanLimit as exc:
        raise ApiError(402, str(exc), code="plan_limit") from exc
    out = job_out(row)
    service = job_service_of(state)
    if service is not None:
        service.wake()
    return out


@router.post(
    "/backtests",
    status_code=202,
    response_model=JobOut,
    responses=_SUBMIT_ERRORS,
    summary="Queue a backtest",
)
async def submit_backtest(body: BacktestIn, caller: CurrentUser, state: State, db: Db) -> JobOut:
    params = body.model_dump(mode="json", exclude={"from_", "to"})
    start, end = _ms(body.from_), _ms(body.to)
    if start is not None and end is not None and start > end:
        raise ApiError(422, "from is after to")
    params["from_ms"], params["to_ms"] = start, end
    return await _submit(state, db, caller.id, BACKTEST, params)


@router.post(
    "/optimisations",
    status_code=202,
    response_model=JobOut,
    responses=_SUBMIT_ERRORS,
    summary="Queue a parameter optimisation",
)
async def submit_optimisation(
    body: OptimisationIn, caller: CurrentUser, state: State, db: Db
) -> JobOut:
    return await _submit(state, db, caller.id, OPTIMISATION, body.model_dump(mode="json"))


async def _job_of_kind(db: AsyncSession, user_id: int, job_id: int, kind: str) -> JobRow:
    row = await jobs.get(db, user_id=user_id, job_id=job_id)
    if row.kind != kind:
        raise NotFound(f"{kind} {job_id}")
    return row


@router.get(
    "/backtests/{job_id}", response_model=JobOut, responses=_READ_ERRORS, summary="A backtest"
)
async def get_backtest(job_id: JobId, caller: CurrentUser, db: Db) -> JobOut:
    return job_out(await _job_of_kind(db, caller.id, job_id, BACKTEST))


@router.get(
    "/backtests/{job_id}/report",
    responses={
        200: {
            "description": "The report: JSON, or a self-contained HTML page",
            "content": {"application/json": {}, "text/html": {}},
        },
        404: {"model": ErrorOut},
        409: {"model": ErrorOut, "description": "The backtest has not succeeded (yet)"},
    },
    summary="A finished backtest's report",
)
async def backtest_report(
    job_id: JobId,
    caller: CurrentUser,
    db: Db,
    format: Annotated[Literal["json", "html"], Query(description="Report format")] = "json",
) -> Any:
    row = await _job_of_kind(db, caller.id, job_id, BACKTEST)
    if row.status != "succeeded" or row.result is None:
        raise ApiError(409, f"the backtest is {row.status}", code="not_ready")
    if format == "html":
        return HTMLResponse(str(row.result.get("html", "")))
    return JSONResponse(row.result.get("report", {}))


@router.get(
    "/optimisations/{job_id}",
    response_model=JobOut,
    responses=_READ_ERRORS,
    summary="An optimisation",
)
async def get_optimisation(job_id: JobId, caller: CurrentUser, db: Db) -> JobOut:
    return job_out(await _job_of_kind(db, caller.id, job_id, OPTIMISATION))


@router.get("/jobs", response_model=Page[JobOut], summary="The caller's jobs, oldest first")
async def list_jobs(
    caller: CurrentUser,
    db: Db,
    page: Pagination,
    kind: Annotated[Literal["backtest", "optimisation"] | None, Query()] = None,
) -> Page[JobOut]:
    rows = await jobs.page(
        db,
        user_id=caller.id,
        limit=page.limit + 1,
        after=page.after,
        kinds=[kind] if kind else None,
    )
    items = [job_out(r) for r in rows[: page.limit]]
    cursor = items[-1].id if len(rows) > page.limit else None
    return Page[JobOut](items=items, next_cursor=cursor)


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobOut,
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    summary="Cancel a queued or running job",
)
async def cancel_job(job_id: JobId, caller: CurrentUser, state: State, db: Db) -> JobOut:
    row = await jobs.cancel(db, user_id=caller.id, job_id=job_id, now=state.container.clock.now())
    return job_out(row)
