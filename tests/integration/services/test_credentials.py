"""Per-user exchange credentials: opened from the sealed row, never another user's."""

from __future__ import annotations

from pathlib import Path

import pytest

from simbiot.config import load_settings
from simbiot.domain.errors import NotFound
from simbiot.security.secrets import ExchangeCredentials, generate_master_key
from simbiot.services.container import Container
from simbiot.storage.repositories import accounts, users


async def test_provider_opens_only_the_owners_account_of_that_venue(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        security={"master_keys": {"k1": generate_master_key()}, "active_key_id": "k1"},
    )
    async with Container(settings) as c:
        cipher = c.cipher()
        async with c.database.transaction() as session:
            alice = await users.create(session, email="a@example.com", password_hash="x")
            bob = await users.create(session, email="b@example.com", password_hash="x")
            acct = await accounts.add(
                session,
                cipher,
                user_id=alice.id,
                exchange="mexc",
                label="main",
                credentials=ExchangeCredentials("alice-key-0001", "alice-secret"),
            )
        provider = c.exchanges._credentials
        assert provider is not None
        creds = await provider("mexc", str(alice.id), str(acct.id))
        assert creds.api_key.get_secret_value() == "alice-key-0001"
        assert creds.secret.get_secret_value() == "alice-secret"
        assert "alice-secret" not in repr(creds)
        with pytest.raises(NotFound):
            await provider("mexc", str(bob.id), str(acct.id))
        with pytest.raises(NotFound):
            await provider("binance", str(alice.id), str(acct.id))
        with pytest.raises(NotFound):
            await provider("mexc", "not-a-number", str(acct.id))


async def test_without_master_key_private_clients_are_unavailable(tmp_path: Path) -> None:
    settings = load_settings(env_file=None, app={"data_dir": str(tmp_path)})
    async with Container(settings) as c:
        assert c.exchanges._credentials is None
