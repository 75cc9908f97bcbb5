"""Argon2id password hashing."""

from __future__ import annotations

import pytest

from simbiot.config.sections import SecuritySettings
from simbiot.domain.errors import SecurityError
from simbiot.security.passwords import PasswordHasher


@pytest.fixture
def hasher() -> PasswordHasher:
    # Cheap parameters keep the test fast; production cost comes from settings.
    return PasswordHasher(time_cost=1, memory_kib=1024, parallelism=1)


def test_hash_and_verify(hasher: PasswordHasher) -> None:
    encoded = hasher.hash("correct horse")
    assert encoded.startswith("$argon2id$")
    assert "correct horse" not in encoded
    assert hasher.verify(encoded, "correct horse")
    assert not hasher.verify(encoded, "Correct horse")


def test_hashes_are_salted(hasher: PasswordHasher) -> None:
    assert hasher.hash("pw") != hasher.hash("pw")


def test_needs_rehash_when_cost_changes(hasher: PasswordHasher) -> None:
    encoded = hasher.hash("pw")
    assert not hasher.needs_rehash(encoded)
    stronger = PasswordHasher(time_cost=2, memory_kib=2048, parallelism=1)
    assert stronger.needs_rehash(encoded)
    assert stronger.verify(encoded, "pw")  # old hashes keep working until re-hashed


def test_malformed_hash_is_a_security_error(hasher: PasswordHasher) -> None:
    with pytest.raises(SecurityError):
        hasher.verify("not-a-hash", "pw")
    with pytest.raises(SecurityError):
        hasher.needs_rehash("not-a-hash")


def test_empty_password_is_refused(hasher: PasswordHasher) -> None:
    with pytest.raises(SecurityError):
        hasher.hash("")


def test_from_settings_uses_configured_cost() -> None:
    settings = SecuritySettings(argon2_time_cost=2, argon2_memory_kib=4096, argon2_parallelism=1)
    encoded = PasswordHasher.from_settings(settings).hash("pw")
    assert "m=4096,t=2,p=1" in encoded


async def test_async_variants(hasher: PasswordHasher) -> None:
    encoded = await hasher.hash_async("pw")
    assert await hasher.verify_async(encoded, "pw")
    assert not await hasher.verify_async(encoded, "nope")
