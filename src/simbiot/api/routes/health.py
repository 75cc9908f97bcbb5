"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from simbiot.api.deps import State
from simbiot.api.schemas.common import ResponseModel

__all__ = ["router"]

router = APIRouter(tags=["health"])


class HealthOut(ResponseModel):
    status: str
    database: bool | None = None


@router.get("/health", response_model=HealthOut, summary="The process is up")
async def health() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/ready",
    response_model=HealthOut,
    summary="The process can serve: its database answers",
    responses={503: {"model": HealthOut}},
)
async def ready(state: State) -> HealthOut | JSONResponse:
    ok = await state.container.database.ping()
    body = HealthOut(status="ok" if ok else "unavailable", database=ok)
    if ok:
        return body
    return JSONResponse(body.model_dump(), status_code=503)
