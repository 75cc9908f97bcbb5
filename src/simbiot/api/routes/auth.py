"""Accounts and sessions: register, log in, refresh, log out, the caller's profile and
password, and user administration.

Every authentication failure answers the one 401 of ``errors.unauthorized``; a login that
failed too often answers 429 with ``Retry-After``. Access tokens stay valid until they
expire (at most ``security.access_token_ttl_s``) after a logout; refresh tokens die at once.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.api.deps import Caller, CurrentUser, Db, Pagination, State, admin_user
from simbiot.api.errors import ApiError, unauthorized
from simbiot.api.schemas.auth import (
    AdminUserPatch,
    EntitlementsOut,
    LoginIn,
    LogoutIn,
    MeOut,
    PasswordChangeIn,
    PlanOut,
    RefreshIn,
    RegisterIn,
    TokenPairOut,
    UserOut,
)
from simbiot.api.schemas.common import ErrorOut, Page, cut_page
from simbiot.api.state import ApiState
from simbiot.billing.entitlements import current_plan
from simbiot.domain.errors import Conflict, NotFound
from simbiot.security.login_guard import DecoyHash, LoginGuard, LoginLocked
from simbiot.security.refresh import IssuedRefresh, RefreshTokens, Rejected
from simbiot.storage.repositories import audit, users
from simbiot.storage.tables import UserRow

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(tags=["auth"])

_401: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not authenticated"}
}
_429: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorOut, "description": "Too many failed logins (see Retry-After)"}
}


def refresh_tokens(state: State) -> RefreshTokens:
    """The refresh-token service on the state's clock and configured lifetime."""
    return RefreshTokens(ttl_s=state.settings.security.refresh_token_ttl_s, clock=state.wall_clock)


def login_guard(state: State) -> LoginGuard:
    """The failed-login counters in the shared cache."""
    api = state.settings.api
    return LoginGuard(
        state.container.cache, max_failures=api.login_max_failures, window_s=api.login_window_s
    )


def decoy_hash(request: Request, state: State) -> DecoyHash:
    """The application's decoy hash, made once per application."""
    decoy: DecoyHash | None = getattr(request.app.state, "auth_decoy_hash", None)
    if decoy is None:
        decoy = DecoyHash(state.passwords)
        request.app.state.auth_decoy_hash = decoy
    return decoy


Refresh = Annotated[RefreshTokens, Depends(refresh_tokens)]
Guard = Annotated[LoginGuard, Depends(login_guard)]
Decoy = Annotated[DecoyHash, Depends(decoy_hash)]
Admin = Annotated[Caller, Depends(admin_user)]
UserId = Annotated[int, Path(ge=1, le=2**63 - 1, description="User id")]


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _locked(exc: LoginLocked) -> ApiError:
    return ApiError(
        429,
        "too many failed logins; try again later",
        headers={"Retry-After": str(exc.retry_after_s)},
    )


def _pair(state: ApiState, role: str, refresh: IssuedRefresh) -> TokenPairOut:
    return TokenPairOut(
        access_token=state.tokens.issue(refresh.user_id, role),
        refresh_token=refresh.token,
        expires_in=state.tokens.ttl_s,
        refresh_expires_in=refresh.expires_in_s,
    )


async def _audit(
    db: AsyncSession,
    state: ApiState,
    user_id: int,
    action: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await audit.append(
        db,
        user_id=user_id,
        actor=f"user:{user_id}",
        action=action,
        subject=f"user:{user_id}",
        detail=detail,
        ts=state.container.clock.now(),
    )


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account (role user)",
    responses={409: {"model": ErrorOut, "description": "E-mail address already registered"}},
)
async def register(body: RegisterIn, state: State, db: Db) -> UserOut:
    """Create an account with the role ``user``."""
    hashed = await state.passwords.hash_async(body.password)
    try:
        row = await users.create(db, email=body.email, password_hash=hashed)
    except Conflict as exc:
        raise ApiError(409, "an account with this e-mail address exists") from exc
    await _audit(db, state, row.id, "auth.register")
    return UserOut.model_validate(row)


async def _check_password(
    state: ApiState, decoy: DecoyHash, row: UserRow | None, password: str
) -> bool:
    if row is None:
        return await decoy.verify(password)
    return await state.passwords.verify_async(row.password_hash, password)


@router.post(
    "/auth/login",
    summary="Log in: an access token and a refresh token",
    responses={**_401, **_429},
)
async def login(
    body: LoginIn,
    request: Request,
    state: State,
    db: Db,
    guard: Guard,
    decoy: Decoy,
    tokens: Refresh,
) -> TokenPairOut:
    """Exchange e-mail and password for an access token and a refresh token."""
    address = _address(request)
    try:
        await guard.check(email=body.email, address=address)
    except LoginLocked as exc:
        raise _locked(exc) from exc
    try:
        row: UserRow | None = await users.get_by_email(db, email=body.email)
    except NotFound:
        row = None
    valid = await _check_password(state, decoy, row, body.password)
    if row is None or not valid or not row.is_active:
        await guard.record_failure(email=body.email, address=address)
        log.info("failed login from %s", address)
        raise unauthorized()
    await guard.clear(email=body.email)
    if state.passwords.needs_rehash(row.password_hash):
        rehashed = await state.passwords.hash_async(body.password)
        await users.set_password_hash(db, user_id=row.id, password_hash=rehashed)
    issued = await tokens.issue(db, user_id=row.id)
    await _audit(db, state, row.id, "auth.login", {"address": address})
    return _pair(state, row.role, issued)


@router.post(
    "/auth/refresh",
    summary="Spend a refresh token for a new pair (a reused token ends its session)",
    responses=_401,
)
async def refresh(body: RefreshIn, state: State, tokens: Refresh) -> TokenPairOut:
    """Spend a refresh token for a new pair; a token presented twice ends its session."""
    # Its own transaction: a detected reuse revokes the family, and that must be committed
    # although the answer is a 401.
    async with state.container.database.transaction() as session:
        outcome = await tokens.rotate(session, token=body.refresh_token)
    if isinstance(outcome, Rejected):
        log.info("refresh refused: %s", outcome.reason)
        raise unauthorized()
    return _pair(state, outcome.role, outcome.refresh)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out: end the session of a refresh token",
)
async def logout(body: LogoutIn, state: State, db: Db, tokens: Refresh) -> Response:
    """End the session of a refresh token (its whole family). Unknown tokens are ignored."""
    user_id = await tokens.revoke(db, token=body.refresh_token)
    if user_id is not None:
        await _audit(db, state, user_id, "auth.logout")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out everywhere: end every session and access token of the caller",
    responses=_401,
)
async def logout_all(caller: CurrentUser, state: State, db: Db, tokens: Refresh) -> Response:
    """End every session of the caller."""
    revoked = await tokens.revoke_all(db, user_id=caller.id, reason="logout-all")
    await _audit(db, state, caller.id, "auth.logout_all", {"revoked": revoked})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", summary="The caller's account and plan in force", responses=_401)
async def me(caller: CurrentUser, state: State, db: Db) -> MeOut:
    """The caller's account and the plan in force now."""
    row = await users.get(db, user_id=caller.id)
    grant = await current_plan(
        db, user_id=caller.id, settings=state.settings.billing, now=state.container.clock.now()
    )
    ent = grant.entitlements
    plan = PlanOut(
        name=grant.plan,
        valid_until=grant.valid_until,
        entitlements=EntitlementsOut(
            max_bots=ent.max_bots,
            live_trading=ent.live_trading,
            max_symbols=ent.max_symbols,
            strategies=list(ent.strategies),
            ml_features=ent.ml_features,
            backtests_per_day=ent.backtests_per_day,
            api_rate_per_minute=ent.api_rate_per_minute,
            xray_top=ent.xray_top,
        ),
    )
    return MeOut(id=row.id, email=row.email, role=row.role, created_at=row.created_at, plan=plan)


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the caller's password (ends every session)",
    responses={
        **_401,
        **_429,
        403: {"model": ErrorOut, "description": "The current password is wrong"},
    },
)
async def change_password(
    body: PasswordChangeIn,
    request: Request,
    caller: CurrentUser,
    state: State,
    db: Db,
    guard: Guard,
    tokens: Refresh,
) -> Response:
    """Replace the caller's password and end every session (log in again)."""
    address = _address(request)
    try:
        await guard.check(email=caller.email, address=address)
    except LoginLocked as exc:
        raise _locked(exc) from exc
    row = await users.get(db, user_id=caller.id)
    if not await state.passwords.verify_async(row.password_hash, body.current_password):
        # Counted like a failed login: a stolen access token must not open a guessing game.
        await guard.record_failure(email=caller.email, address=address)
        raise ApiError(403, "the current password is wrong")
    if body.new_password == body.current_password:
        raise ApiError(422, "the new password must differ from the current one")
    hashed = await state.passwords.hash_async(body.new_password)
    await users.set_password_hash(db, user_id=caller.id, password_hash=hashed)
    revoked = await tokens.revoke_all(db, user_id=caller.id, reason="password")
    await _audit(db, state, caller.id, "auth.password_changed", {"revoked": revoked})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/admin/users",
    summary="Administrators: every account",
    responses={**_401, 403: {"model": ErrorOut, "description": "Administrators only"}},
)
async def list_users(_: Admin, db: Db, page: Pagination) -> Page[UserOut]:
    """Every account, active or not, in id order."""
    rows = await users.page(db, after_id=page.after or 0, limit=page.limit + 1, active_only=False)
    kept, cursor = cut_page(rows, page.limit)
    return Page[UserOut](items=[UserOut.model_validate(r) for r in kept], next_cursor=cursor)


@router.patch(
    "/admin/users/{user_id}",
    summary="Administrators: change a user's role or disable the account",
    responses={
        **_401,
        403: {"model": ErrorOut, "description": "Administrators only"},
        404: {"model": ErrorOut, "description": "No such user"},
        409: {"model": ErrorOut, "description": "An administrator cannot demote or disable itself"},
    },
)
async def update_user(
    user_id: UserId, body: AdminUserPatch, caller: Admin, state: State, db: Db, tokens: Refresh
) -> UserOut:
    """Change a user's role or disable (enable) the account; a disabled account's sessions
    end at once and its access tokens are refused."""
    row = await users.get(db, user_id=user_id)
    if row.id == caller.id and (body.role == "user" or body.is_active is False):
        raise ApiError(409, "administrators cannot demote or disable their own account")
    changes: dict[str, Any] = {}
    if body.role is not None and body.role != row.role:
        row = await users.set_role(db, user_id=user_id, role=body.role)
        changes["role"] = body.role
    if body.is_active is not None and body.is_active != row.is_active:
        row = await users.set_active(db, user_id=user_id, is_active=body.is_active)
        changes["is_active"] = body.is_active
        if not body.is_active:
            await tokens.revoke_all(db, user_id=user_id, reason="deactivated")
    if changes:
        await audit.append(
            db,
            user_id=user_id,
            actor=f"user:{caller.id}",
            action="admin.user_updated",
            subject=f"user:{user_id}",
            detail=changes,
            ts=state.container.clock.now(),
        )
    return UserOut.model_validate(row)
