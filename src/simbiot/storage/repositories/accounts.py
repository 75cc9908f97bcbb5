"""Exchange accounts: credentials are sealed on the way in and opened only for their owner."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import NotFound
from simbiot.security.secrets import CredentialCipher, ExchangeCredentials, SealedSecret
from simbiot.storage.errors import savepoint, translated
from simbiot.storage.tables import ExchangeAccountRow

__all__ = [
    "add",
    "delete",
    "get",
    "list_for_user",
    "open_credentials",
    "page_for_user",
    "sealed_of",
]


def sealed_of(row: ExchangeAccountRow) -> SealedSecret:
    """Return the sealed credentials stored in ``row``."""
    return SealedSecret(key_id=row.key_id, nonce=row.nonce, ciphertext=row.ciphertext)


async def add(
    session: AsyncSession,
    cipher: CredentialCipher,
    *,
    user_id: int,
    exchange: str,
    label: str,
    credentials: ExchangeCredentials,
    can_withdraw: bool = False,
) -> ExchangeAccountRow:
    """Store an account with its credentials sealed; a label reused on that exchange → Conflict."""
    sealed = cipher.seal_credentials(credentials, user_id=user_id, exchange=exchange, label=label)
    row = ExchangeAccountRow(
        user_id=user_id,
        exchange=exchange,
        label=label,
        key_id=sealed.key_id,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
        api_key_last4=credentials.last4,
        can_withdraw=can_withdraw,
    )
    async with savepoint(session, "add exchange account"):
        session.add(row)
    return row


async def get(session: AsyncSession, *, user_id: int, account_id: int) -> ExchangeAccountRow:
    """Return the user's account or raise ``NotFound``."""
    async with translated("get exchange account"):
        row = await session.scalar(
            select(ExchangeAccountRow).where(
                ExchangeAccountRow.id == account_id, ExchangeAccountRow.user_id == user_id
            )
        )
    if row is None:
        raise NotFound(f"exchange account {account_id} not found")
    return row


async def list_for_user(session: AsyncSession, *, user_id: int) -> Sequence[ExchangeAccountRow]:
    """Return the user's accounts, oldest first."""
    async with translated("list exchange accounts"):
        result = await session.scalars(
            select(ExchangeAccountRow)
            .where(ExchangeAccountRow.user_id == user_id)
            .order_by(ExchangeAccountRow.id)
        )
        return result.all()


async def page_for_user(
    session: AsyncSession, *, user_id: int, limit: int, after: int | None = None
) -> Sequence[ExchangeAccountRow]:
    """Return up to ``limit`` of the user's accounts with ids above ``after``, by id."""
    query = select(ExchangeAccountRow).where(ExchangeAccountRow.user_id == user_id)
    if after is not None:
        query = query.where(ExchangeAccountRow.id > after)
    async with translated("list exchange accounts"):
        result = await session.scalars(query.order_by(ExchangeAccountRow.id).limit(limit))
        return result.all()


async def open_credentials(
    session: AsyncSession, cipher: CredentialCipher, *, user_id: int, account_id: int
) -> ExchangeCredentials:
    """Return the clear credentials of the user's account (``DecryptionError`` if tampered)."""
    row = await get(session, user_id=user_id, account_id=account_id)
    return cipher.open_credentials(
        sealed_of(row), user_id=row.user_id, exchange=row.exchange, label=row.label
    )


async def delete(session: AsyncSession, *, user_id: int, account_id: int) -> None:
    """Delete the user's account; one still used by a bot raises ``Conflict``."""
    row = await get(session, user_id=user_id, account_id=account_id)
    async with savepoint(session, "delete exchange account"):
        await session.delete(row)
