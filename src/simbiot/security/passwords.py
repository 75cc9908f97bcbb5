"""User passwords: Argon2id hashes, checked off the event loop when called async."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from simbiot.config.sections import SecuritySettings
from simbiot.domain.errors import SecurityError

__all__ = ["PasswordHasher"]


class PasswordHasher:
    """Hash and verify passwords with Argon2id at the configured cost."""

    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._argon = _Argon2(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=Type.ID,
        )

    @classmethod
    def from_settings(cls, settings: SecuritySettings) -> PasswordHasher:
        """Build with the cost parameters of ``security``."""
        return cls(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )

    def hash(self, password: str) -> str:
        """Return the encoded hash of ``password`` (salted, parameters included)."""
        if not password:
            raise SecurityError("empty password")
        return self._argon.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Return whether ``password`` matches; a malformed hash raises ``SecurityError``."""
        try:
            return self._argon.verify(password_hash, password)
        except VerifyMismatchError:
            return False
        except InvalidHashError as exc:
            raise SecurityError("stored password hash is malformed") from exc
        except VerificationError:
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Return whether the hash was made with other parameters than the current ones."""
        try:
            return self._argon.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError) as exc:
            raise SecurityError("stored password hash is malformed") from exc

    async def hash_async(self, password: str) -> str:
        """Hash in a worker thread: Argon2 is deliberately slow and would stall the loop."""
        return await asyncio.to_thread(self.hash, password)

    async def verify_async(self, password_hash: str, password: str) -> bool:
        """Verify in a worker thread."""
        return await asyncio.to_thread(self.verify, password_hash, password)
