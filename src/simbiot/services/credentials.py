"""Exchange credentials for per-user clients, opened from the database only when needed."""

from __future__ import annotations

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.domain.errors import NotFound
from simbiot.exchange.ccxt.factory import Credentials
from simbiot.security.secrets import CredentialCipher
from simbiot.storage.repositories import accounts

__all__ = ["StoredCredentials"]


class StoredCredentials:
    """A ``CredentialsProvider`` reading sealed keys from the exchange-accounts table.

    The account must belong to the user and to the venue asked for; the clear keys live
    only in the returned value (handed to ccxt), never in a cache or a log.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], cipher: CredentialCipher
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher

    async def __call__(self, venue: str, user_id: str, account_id: str) -> Credentials:
        try:
            uid, aid = int(user_id), int(account_id)
        except ValueError:
            raise NotFound(f"no exchange account {account_id!r} for user {user_id!r}") from None
        async with self._sessions() as session:
            row = await accounts.get(session, user_id=uid, account_id=aid)
            if row.exchange != venue:
                raise NotFound(f"exchange account {aid} is not a {venue} account")
            creds = await accounts.open_credentials(
                session, self._cipher, user_id=uid, account_id=aid
            )
        password = SecretStr(creds.password) if creds.password is not None else None
        return Credentials(SecretStr(creds.api_key), SecretStr(creds.secret), password)
