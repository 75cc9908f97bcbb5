"""Key rotation re-seals stored credentials under the new key, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import DecryptionError
from simbiot.security.rotation import reencrypt_all
from simbiot.security.secrets import CredentialCipher, ExchangeCredentials
from simbiot.storage.repositories import accounts, users
from simbiot.storage.tables import ExchangeAccountRow

OLD = {"k1": b"\x01" * 32}
BOTH = {"k1": b"\x01" * 32, "k2": b"\x02" * 32}


async def test_rotation_reseals_every_account_under_the_active_key(session: AsyncSession) -> None:
    old_cipher = CredentialCipher(OLD, "k1")
    user = await users.create(session, email="r@x.io", password_hash="h")
    creds = {
        label: ExchangeCredentials(f"key-{label}-0000", f"secret-{label}", "pw")
        for label in ("a", "b", "c")
    }
    ids = {}
    for label, cred in creds.items():
        row = await accounts.add(
            session, old_cipher, user_id=user.id, exchange="mexc", label=label, credentials=cred
        )
        ids[label] = row.id
    await session.commit()
    before = {r.id: r.ciphertext for r in await accounts.list_for_user(session, user_id=user.id)}

    # Before rotation the old ciphertexts open with the old key, also through the new cipher.
    new_cipher = CredentialCipher(BOTH, "k2")
    for label, account_id in ids.items():
        got = await accounts.open_credentials(
            session, new_cipher, user_id=user.id, account_id=account_id
        )
        assert got == creds[label]

    report = await reencrypt_all(session, new_cipher, batch_size=2)
    await session.commit()
    assert (report.resealed, report.failed) == (3, [])

    rows = (await session.scalars(select(ExchangeAccountRow))).all()
    assert {r.key_id for r in rows} == {"k2"}
    assert all(r.ciphertext != before[r.id] for r in rows)
    for label, account_id in ids.items():
        got = await accounts.open_credentials(
            session, new_cipher, user_id=user.id, account_id=account_id
        )
        assert got == creds[label]
    # The old key alone can no longer open them: k1 can now be retired.
    with pytest.raises(DecryptionError, match="unknown master key"):
        await accounts.open_credentials(session, old_cipher, user_id=user.id, account_id=ids["a"])

    again = await reencrypt_all(session, new_cipher)
    assert (again.resealed, again.failed) == (0, [])


async def test_rotation_skips_and_reports_a_row_that_does_not_open(session: AsyncSession) -> None:
    cipher = CredentialCipher(OLD, "k1")
    user = await users.create(session, email="t@x.io", password_hash="h")
    good = await accounts.add(
        session,
        cipher,
        user_id=user.id,
        exchange="mexc",
        label="good",
        credentials=ExchangeCredentials("goodkey1", "goodsecret"),
    )
    bad = await accounts.add(
        session,
        cipher,
        user_id=user.id,
        exchange="mexc",
        label="bad",
        credentials=ExchangeCredentials("badkey11", "badsecret"),
    )
    bad.ciphertext = bytes([bad.ciphertext[0] ^ 1]) + bad.ciphertext[1:]
    await session.commit()

    report = await reencrypt_all(session, CredentialCipher(BOTH, "k2"))
    await session.commit()
    assert (report.resealed, report.failed) == (1, [bad.id])
    refreshed = {r.id: r.key_id for r in (await session.scalars(select(ExchangeAccountRow))).all()}
    assert refreshed == {good.id: "k2", bad.id: "k1"}


async def test_batch_size_must_be_positive(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        await reencrypt_all(session, CredentialCipher(OLD, "k1"), batch_size=0)
