"""Request dependencies: the shared state, a database transaction, the authenticated caller,
and bounded pagination."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.api.errors import ApiError, unauthorized
from simbiot.api.state import ApiState
from simbiot.domain.errors import NotFound
from simbiot.security.tokens import InvalidToken
from simbiot.storage.repositories import users

__all__ = [
    "Caller",
    "CurrentUser",
    "Db",
    "PageParams",
    "Pagination",
    "State",
    "admin_user",
    "api_state",
    "current_user",
    "db_session",
]

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/v1/auth/login")


def api_state(request: Request) -> ApiState:
    """The state the lifespan put on the application."""
    state: ApiState = request.app.state.api
    return state


State = Annotated[ApiState, Depends(api_state)]


_READ_METHODS = frozenset({"GET", "HEAD"})


async def db_session(request: Request, state: State) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, rolled back if not.
    GET and HEAD only read, so they get a read transaction (no write lock on SQLite)."""
    db = state.container.database
    opener = db.read if request.method in _READ_METHODS else db.transaction
    async with opener() as session:
        yield session


# "function" scope: committed before the answer goes out, so a client never sees a success
# whose commit then fails, and its next request reads what this one wrote.
Db = Annotated[AsyncSession, Depends(db_session, scope="function")]


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user making the request."""

    id: int
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


async def current_user(
    request: Request,
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The caller named by a valid access token, who must exist and be active; every
    failure answers the same 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized()
    try:
        claims = state.tokens.verify(credentials.credentials)
    except InvalidToken as exc:
        raise unauthorized() from exc
    async with state.container.database.read() as session:
        try:
            row = await users.get(session, user_id=claims.user_id)
        except NotFound as exc:
            raise unauthorized() from exc
    if not row.is_active:
        raise unauthorized()
    revoked = row.tokens_valid_after
    if revoked is not None and claims.issued_at_ms < int(revoked.timestamp() * 1000):
        raise unauthorized()
    caller = Caller(row.id, row.email, row.role)
    request.state.caller = caller
    return caller


CurrentUser = Annotated[Caller, Depends(current_user)]


async def admin_user(caller: CurrentUser) -> Caller:
    """The caller, who must be an administrator."""
    if not caller.is_admin:
        raise ApiError(403, "administrators only")
    return caller


@dataclass(frozen=True, slots=True)
class PageParams:
    """A bounded page: at most ``limit`` items with ids greater than ``after``."""

    limit: int
    after: int | None


def pagination(
    state: State,
    limit: Annotated[int | None, Query(ge=1, description="Items per page")] = None,
    after: Annotated[
        int | None,
        Query(ge=0, le=2**63 - 1, description="Return items after this id (next_cursor)"),
    ] = None,
) -> PageParams:
    """Page parameters within ``api.page_size_max``."""
    settings = state.settings.api
    size = settings.page_size_default if limit is None else limit
    if size > settings.page_size_max:
        raise ApiError(422, f"limit must be at most {settings.page_size_max}")
    return PageParams(size, after)


Pagination = Annotated[PageParams, Depends(pagination)]
