"""Failed-login counters per e-mail and per address, and the decoy hash."""

from __future__ import annotations

import pytest

from simbiot.cache.memory import MemoryCache
from simbiot.domain.clock import SimulatedClock
from simbiot.security.login_guard import DecoyHash, LoginGuard, LoginLocked
from simbiot.security.passwords import PasswordHasher

WINDOW_S = 120


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(1_800_000_000_000)


@pytest.fixture
def cache(clock: SimulatedClock) -> MemoryCache:
    return MemoryCache(clock=clock)


@pytest.fixture
def guard(cache: MemoryCache) -> LoginGuard:
    return LoginGuard(cache, max_failures=3, window_s=WINDOW_S)


async def _fail(guard: LoginGuard, email: str, address: str | None, times: int) -> None:
    for _ in range(times):
        await guard.check(email=email, address=address)
        await guard.record_failure(email=email, address=address)


async def test_the_email_locks_after_max_failures_whatever_the_address(guard: LoginGuard) -> None:
    await _fail(guard, "a@example.com", "10.0.0.1", 1)
    await _fail(guard, "A@Example.com ", "10.0.0.2", 1)
    await _fail(guard, "a@example.com", "10.0.0.3", 1)
    with pytest.raises(LoginLocked) as locked:
        await guard.check(email="a@example.com", address="10.0.0.4")
    assert locked.value.retry_after_s == WINDOW_S
    # Other e-mails from fresh addresses are unaffected.
    await guard.check(email="b@example.com", address="10.0.0.5")


async def test_the_address_locks_after_max_failures_whatever_the_email(guard: LoginGuard) -> None:
    for i in range(3):
        await _fail(guard, f"user{i}@example.com", "2001:db8::1", 1)
    with pytest.raises(LoginLocked):
        await guard.check(email="fresh@example.com", address="2001:db8::1")
    await guard.check(email="fresh@example.com", address="2001:db8::2")
    await guard.check(email="fresh@example.com", address=None)


async def test_retry_after_counts_down_and_the_window_reopens(
    guard: LoginGuard, clock: SimulatedClock
) -> None:
    await _fail(guard, "a@example.com", None, 3)
    clock.advance(45.5)
    with pytest.raises(LoginLocked) as locked:
        await guard.check(email="a@example.com", address=None)
    assert locked.value.retry_after_s == 75  # 74.5 s left, rounded up
    assert "75 s" in str(locked.value)
    clock.advance(74.5)
    await guard.check(email="a@example.com", address=None)


async def test_clear_forgets_the_email_but_not_the_address(guard: LoginGuard) -> None:
    await _fail(guard, "a@example.com", "10.0.0.1", 2)
    await guard.clear(email="A@example.com")
    await _fail(guard, "a@example.com", "10.0.0.9", 2)
    await guard.check(email="a@example.com", address="10.0.0.9")
    await guard.record_failure(email="x@example.com", address="10.0.0.1")
    with pytest.raises(LoginLocked):
        await guard.check(email="new@example.com", address="10.0.0.1")


async def test_emails_appear_in_keys_only_as_digests(guard: LoginGuard, cache: MemoryCache) -> None:
    await guard.record_failure(email="secret.person@example.com", address="10.1.2.3")
    keys = await cache.scan("ratelimit:")
    assert len(keys) == 2
    assert not any("secret" in key for key in keys)
    assert any(key.endswith("10.1.2.3") for key in keys)


async def test_a_counter_without_expiry_still_gets_a_retry_after(cache: MemoryCache) -> None:
    guard = LoginGuard(cache, max_failures=1, window_s=WINDOW_S)
    await guard.record_failure(email="a@example.com", address="10.0.0.1")
    for key in await cache.scan("ratelimit:"):
        await cache.set(key, b"5", None)
    with pytest.raises(LoginLocked) as locked:
        await guard.check(email="a@example.com", address="10.0.0.1")
    assert locked.value.retry_after_s == WINDOW_S


@pytest.mark.parametrize(("failures", "window"), [(0, 60), (3, 0)])
def test_limits_must_be_positive(cache: MemoryCache, failures: int, window: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        LoginGuard(cache, max_failures=failures, window_s=window)


async def test_the_decoy_hash_is_made_once_at_the_current_cost() -> None:
    hasher = PasswordHasher(time_cost=2, memory_kib=256, parallelism=1)
    decoy = DecoyHash(hasher)
    assert await decoy.verify("anything at all") is False
    made = decoy._hash
    assert made is not None
    assert "m=256,t=2,p=1" in made
    assert not hasher.needs_rehash(made)
    assert await decoy.verify("") is False
    assert decoy._hash == made
