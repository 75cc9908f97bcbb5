"""The caller's exchange API keys: add (checked with the venue), list masked, delete.

Keys are sealed with the credential cipher before they are stored and never come back out
through the API: a listing shows the last four characters of the API key only. A key the
venue reports as able to withdraw is refused; where the venue cannot tell, the key is
stored and its withdraw permission recorded as "unknown".
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from simbiot.api.deps import CurrentUser, Db, Pagination, State
from simbiot.api.errors import ApiError
from simbiot.api.schemas.common import ErrorOut, Page, cut_page
from simbiot.api.schemas.keys import KeyCreatedOut, KeyIn, KeyOut
from simbiot.api.state import ApiState
from simbiot.domain.errors import (
    AuthenticationError,
    ConfigError,
    Conflict,
    DataError,
    ExchangeError,
    RetryableError,
)
from simbiot.exchange.permissions import KeyPermissions, Permission
from simbiot.security.secrets import ExchangeCredentials
from simbiot.services.key_check import check_key
from simbiot.storage.clock import from_ms
from simbiot.storage.repositories import accounts, audit

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/keys", tags=["keys"])

_ADD_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "A key with that label exists on that exchange"},
    422: {"model": ErrorOut, "description": "Refused by the venue, or able to withdraw"},
    503: {"model": ErrorOut, "description": "The venue could not be asked; try again"},
}


async def _permissions(state: ApiState, venue: str, creds: ExchangeCredentials) -> KeyPermissions:
    """Ask the venue about the key, turning its failures into answers for the client."""
    venue_settings = state.settings.exchanges.venues.get(venue)
    if venue_settings is None or not venue_settings.enabled:
        raise ApiError(422, f"exchange {venue!r} is not available on this deployment")
    c = state.container
    try:
        return await check_key(c.exchanges, c.limiter, c.clock, venue=venue, credentials=creds)
    except AuthenticationError:
        raise ApiError(
            422,
            f"{venue} refused this API key: check the key, the secret and the passphrase",
            code="key_refused",
        ) from None
    except (RetryableError, DataError) as exc:
        log.warning("checking a %s key failed: %s", venue, type(exc).__name__)
        raise ApiError(503, f"{venue} could not be asked about the key; try again later") from None
    except (ExchangeError, ConfigError) as exc:
        log.warning("checking a %s key failed: %s", venue, type(exc).__name__)
        raise ApiError(422, f"{venue} did not accept this API key") from None


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=KeyCreatedOut,
    summary="Add an exchange API key (checked with the venue, stored encrypted)",
    responses=_ADD_ERRORS,
)
async def add_key(body: KeyIn, caller: CurrentUser, db: Db, state: State) -> KeyCreatedOut:
    creds = ExchangeCredentials(
        api_key=body.api_key.get_secret_value(),
        secret=body.secret.get_secret_value(),
        password=body.passphrase.get_secret_value() if body.passphrase is not None else None,
    )
    perms = await _permissions(state, body.exchange, creds)
    if perms.can_withdraw:
        raise ApiError(
            422,
            "this API key can withdraw funds; create a key without withdrawal permission "
            "and add that one instead",
            code="key_can_withdraw",
        )
    try:
        row = await accounts.add(
            db,
            state.container.cipher(),
            user_id=caller.id,
            exchange=body.exchange,
            label=body.label,
            credentials=creds,
            can_withdraw=False,
        )
    except Conflict:
        raise ApiError(
            409, f"you already have a {body.exchange} key labelled {body.label!r}"
        ) from None
    await audit.append(
        db,
        user_id=caller.id,
        actor=f"user:{caller.id}",
        action="key.add",
        subject=f"exchange_account:{row.id}",
        detail={"exchange": row.exchange, "label": row.label, "withdraw": perms.withdraw.value},
        ts=from_ms(state.container.clock.now_ms()),
    )
    withdraw = "unknown" if perms.withdraw is Permission.UNKNOWN else "no"
    return KeyCreatedOut(
        id=row.id,
        exchange=row.exchange,
        label=row.label,
        api_key_last4=row.api_key_last4,
        created_at=row.created_at,
        withdraw_permission=withdraw,
    )


@router.get("", response_model=Page[KeyOut], summary="The caller's keys, masked")
async def list_keys(caller: CurrentUser, db: Db, page: Pagination) -> Page[KeyOut]:
    rows = await accounts.page_for_user(
        db, user_id=caller.id, limit=page.limit + 1, after=page.after
    )
    kept, cursor = cut_page(rows, page.limit)
    return Page[KeyOut](items=[KeyOut.model_validate(r) for r in kept], next_cursor=cursor)


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete one of the caller's keys",
    responses={
        404: {"model": ErrorOut, "description": "No such key of the caller"},
        409: {"model": ErrorOut, "description": "A bot still uses the key"},
    },
)
async def delete_key(
    key_id: Annotated[int, Path(ge=1, le=2**63 - 1)], caller: CurrentUser, db: Db, state: State
) -> Response:
    row = await accounts.get(db, user_id=caller.id, account_id=key_id)
    venue = row.exchange
    try:
        await accounts.delete(db, user_id=caller.id, account_id=key_id)
    except Conflict:
        raise ApiError(
            409, "a bot uses this key: delete that bot or move it to another key first"
        ) from None
    await audit.append(
        db,
        user_id=caller.id,
        actor=f"user:{caller.id}",
        action="key.delete",
        subject=f"exchange_account:{key_id}",
        detail={"exchange": venue},
        ts=from_ms(state.container.clock.now_ms()),
    )
    # A private client still holding the deleted key is closed now.
    await state.container.exchanges.evict(venue, str(caller.id), str(key_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
