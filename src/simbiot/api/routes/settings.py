"""The caller's settings: read, replace, merge; optimistic concurrency on the version.

Every answer carries ``ETag: "<version>"``. PUT and PATCH need ``If-Match`` with the ETag
last read (or ``*``): without it 428, against a newer version 412, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.api.deps import Caller, CurrentUser, Db, State
from simbiot.api.errors import ApiError
from simbiot.api.schemas.common import ErrorOut
from simbiot.api.schemas.settings import (
    EffectiveSettingsOut,
    SettingsDocument,
    SettingsOut,
    StrategyChoiceOut,
)
from simbiot.api.state import ApiState
from simbiot.billing.entitlements import current_plan
from simbiot.domain.errors import Conflict
from simbiot.services.user_settings import (
    USER_RISK_FIELDS,
    USER_SIGNAL_FIELDS,
    SettingsInvalid,
    effective_settings,
    merge_patch,
    validate_document,
)
from simbiot.storage.clock import from_ms
from simbiot.storage.repositories import audit
from simbiot.storage.repositories import settings as settings_repo

__all__ = ["router"]

router = APIRouter(prefix="/settings", tags=["settings"])

_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "The plan does not include that strategy"},
    412: {"model": ErrorOut, "description": "The settings changed since the ETag was read"},
    422: {"model": ErrorOut, "description": "A value the engine would refuse"},
    428: {"model": ErrorOut, "description": "If-Match is missing"},
}
IfMatch = Annotated[
    str | None,
    Header(description='The ETag of the settings last read ("<version>"), or *'),
]


def _etag(version: int) -> str:
    return f'"{version}"'


def _check_precondition(if_match: str | None, version: int) -> None:
    if if_match is None:
        raise ApiError(
            428,
            "send If-Match with the ETag of the settings you read",
            code="precondition_required",
        )
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" not in tags and _etag(version) not in tags:
        raise ApiError(412, "the settings changed since you read them", code="precondition_failed")


def _effective(state: ApiState, doc: Mapping[str, Any]) -> EffectiveSettingsOut:
    """What is in force; a stored part the engine no longer accepts falls back to defaults."""
    eff = effective_settings(
        doc,
        risk=state.settings.risk,
        signals=state.settings.signals,
        registry=state.container.strategies,
    )
    risk = eff.risk.model_dump(mode="json")
    signals = eff.signals.model_dump(mode="json")
    return EffectiveSettingsOut(
        strategy=StrategyChoiceOut(name=eff.strategy[0], params=eff.strategy[1])
        if eff.strategy
        else None,
        risk={k: risk[k] for k in USER_RISK_FIELDS},
        signals={k: signals[k] for k in USER_SIGNAL_FIELDS},
        symbols={"allow": sorted(eff.symbols.allow), "deny": sorted(eff.symbols.deny)},
        notifications=dict(eff.notifications),
        problems=list(eff.problems),
    )


def _answer(state: ApiState, response: Response, doc: dict[str, Any], version: int) -> SettingsOut:
    response.headers["ETag"] = _etag(version)
    return SettingsOut(version=version, settings=doc, effective=_effective(state, doc))


def _now(state: ApiState) -> datetime:
    return from_ms(state.container.clock.now_ms())


async def _save(
    db: AsyncSession, state: ApiState, caller: Caller, doc: dict[str, Any], version: int
) -> settings_repo.VersionedDoc:
    """Validate ``doc`` with the engine's models and the caller's plan, then store it."""
    try:
        validate_document(
            doc,
            risk=state.settings.risk,
            signals=state.settings.signals,
            registry=state.container.strategies,
        )
    except SettingsInvalid as exc:
        raise RequestValidationError(
            [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors]
        ) from None
    strategy = doc.get("strategy")
    if strategy:
        grant = await current_plan(
            db, user_id=caller.id, settings=state.settings.billing, now=_now(state)
        )
        if not grant.entitlements.allows_strategy(strategy["name"]):
            raise ApiError(403, f"the {grant.plan} plan does not include {strategy['name']!r}")
    try:
        saved = await settings_repo.put(db, user_id=caller.id, doc=doc, expected_version=version)
    except Conflict:
        raise ApiError(
            412, "the settings changed since you read them", code="precondition_failed"
        ) from None
    await audit.append(
        db,
        user_id=caller.id,
        actor=f"user:{caller.id}",
        action="settings.update",
        subject="settings",
        detail={"version": saved.version, "parts": sorted(doc)},
        ts=_now(state),
    )
    return saved


@router.get("", response_model=SettingsOut, summary="The caller's settings and those in force")
async def get_settings(
    caller: CurrentUser, db: Db, state: State, response: Response
) -> SettingsOut:
    current = await settings_repo.get(db, user_id=caller.id)
    return _answer(state, response, current.doc, current.version)


@router.get(
    "/schema",
    summary="The JSON schema of the settings document",
    response_model=dict[str, Any],
)
async def settings_schema(caller: CurrentUser) -> dict[str, Any]:
    return SettingsDocument.model_json_schema()


@router.put(
    "",
    response_model=SettingsOut,
    summary="Replace the caller's settings",
    responses=_WRITE_ERRORS,
)
async def put_settings(
    body: SettingsDocument,
    caller: CurrentUser,
    db: Db,
    state: State,
    response: Response,
    if_match: IfMatch = None,
) -> SettingsOut:
    current = await settings_repo.get(db, user_id=caller.id)
    _check_precondition(if_match, current.version)
    doc = body.model_dump(mode="json", exclude_none=True)
    saved = await _save(db, state, caller, doc, current.version)
    return _answer(state, response, saved.doc, saved.version)


@router.patch(
    "",
    response_model=SettingsOut,
    summary="Merge changes into the caller's settings (JSON merge patch)",
    responses=_WRITE_ERRORS,
)
async def patch_settings(
    body: SettingsDocument,
    caller: CurrentUser,
    db: Db,
    state: State,
    response: Response,
    if_match: IfMatch = None,
) -> SettingsOut:
    current = await settings_repo.get(db, user_id=caller.id)
    _check_precondition(if_match, current.version)
    merged = merge_patch(current.doc, body.model_dump(mode="json", exclude_unset=True))
    try:
        checked = SettingsDocument.model_validate(merged)
    except ValueError as exc:  # a stored part no longer fits the document's schema
        raise ApiError(422, f"the merged settings are not valid: {exc}") from None
    doc = checked.model_dump(mode="json", exclude_none=True)
    saved = await _save(db, state, caller, doc, current.version)
    return _answer(state, response, saved.doc, saved.version)
