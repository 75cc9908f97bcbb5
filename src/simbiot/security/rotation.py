"""Key rotation: re-seal every stored credential under the active master key."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import DecryptionError
from simbiot.security.secrets import CredentialCipher, SealedSecret
from simbiot.storage.errors import translated
from simbiot.storage.tables import ExchangeAccountRow

__all__ = ["RotationReport", "reencrypt_all"]

log = logging.getLogger(__name__)


@dataclass
class RotationReport:
    """What a rotation did: accounts re-sealed, and those that would not open."""

    resealed: int = 0
    failed: list[int] = field(default_factory=list)


async def reencrypt_all(
    session: AsyncSession, cipher: CredentialCipher, *, batch_size: int = 500
) -> RotationReport:
    """Re-seal every account not yet under the active key; the caller commits.

    An account whose ciphertext does not open (tampered, or sealed with a key no longer
    configured) keeps its old ciphertext and is reported, so one bad row never blocks the
    rotation of all the others.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    report = RotationReport()
    after_id = 0
    while True:
        async with translated("rotate credentials"):
            batch = (
                await session.scalars(
                    select(ExchangeAccountRow)
                    .where(
                        ExchangeAccountRow.key_id != cipher.active_key_id,
                        ExchangeAccountRow.id > after_id,
                    )
                    .order_by(ExchangeAccountRow.id)
                    .limit(batch_size)
                )
            ).all()
        if not batch:
            return report
        for row in batch:
            _reseal(row, cipher, report)
        after_id = batch[-1].id
        async with translated("rotate credentials"):
            await session.flush()


def _reseal(row: ExchangeAccountRow, cipher: CredentialCipher, report: RotationReport) -> None:
    old = SealedSecret(key_id=row.key_id, nonce=row.nonce, ciphertext=row.ciphertext)
    try:
        new = cipher.reseal(old, user_id=row.user_id, exchange=row.exchange, label=row.label)
    except DecryptionError as exc:
        log.error("account %d not re-encrypted: %s", row.id, exc)
        report.failed.append(row.id)
        return
    row.key_id, row.nonce, row.ciphertext = new.key_id, new.nonce, new.ciphertext
    report.resealed += 1
