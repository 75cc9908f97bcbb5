"""Refresh tokens on a real database: rotation, reuse detection, expiry, revocation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from simbiot.config.sections import DatabaseSettings
from simbiot.domain.clock import SimulatedClock
from simbiot.security.refresh import RefreshTokens, Rejected, Rotated, hash_token
from simbiot.storage.database import Database
from simbiot.storage.repositories import users
from simbiot.storage.tables import RefreshTokenRow

TTL_S = 3_600


@pytest.fixture(params=["sqlite", "postgresql"])
def refresh_db_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def database(refresh_db_url: str) -> AsyncIterator[Database]:
    db = Database(refresh_db_url, DatabaseSettings(pool_size=2, max_overflow=2, auto_migrate=True))
    await db.start()
    yield db
    await db.close()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(1_800_000_000_000)


@pytest.fixture
def service(clock: SimulatedClock) -> RefreshTokens:
    return RefreshTokens(ttl_s=TTL_S, clock=clock)


async def _user(db: Database, email: str = "u@example.com") -> int:
    async with db.transaction() as session:
        return (await users.create(session, email=email, password_hash="x")).id


async def _rotate(db: Database, service: RefreshTokens, token: str) -> Rotated | Rejected:
    async with db.transaction() as session:
        return await service.rotate(session, token=token)


async def _issue(db: Database, service: RefreshTokens, user_id: int) -> str:
    async with db.transaction() as session:
        return (await service.issue(session, user_id=user_id)).token


async def test_rotation_continues_the_family_and_stores_only_hashes(
    database: Database, service: RefreshTokens
) -> None:
    user_id = await _user(database)
    async with database.transaction() as session:
        first = await service.issue(session, user_id=user_id)
    assert len(first.token) == 43  # 256 bits, URL-safe base64
    assert first.expires_in_s == TTL_S

    rotated = await _rotate(database, service, first.token)
    assert isinstance(rotated, Rotated)
    assert (rotated.user_id, rotated.role) == (user_id, "user")
    assert rotated.refresh.family_id == first.family_id
    assert rotated.refresh.token != first.token

    async with database.transaction() as session:
        rows = (await session.scalars(select(RefreshTokenRow).order_by(RefreshTokenRow.id))).all()
    assert [r.token_hash for r in rows] == [
        hash_token(first.token),
        hash_token(rotated.refresh.token),
    ]
    assert rows[0].used_at is not None
    assert rows[1].used_at is None


async def test_reuse_revokes_the_whole_family_only(
    database: Database, service: RefreshTokens
) -> None:
    user_id = await _user(database)
    stolen = await _issue(database, service, user_id)
    elsewhere = await _issue(database, service, user_id)
    rotated = await _rotate(database, service, stolen)
    assert isinstance(rotated, Rotated)

    assert await _rotate(database, service, stolen) == Rejected("reused")
    # The legitimate holder's newest token died with the family.
    assert await _rotate(database, service, rotated.refresh.token) == Rejected("revoked")
    assert isinstance(await _rotate(database, service, elsewhere), Rotated)

    async with database.transaction() as session:
        reasons = (
            await session.scalars(
                select(RefreshTokenRow.revoked_reason).where(
                    RefreshTokenRow.family_id == rotated.refresh.family_id
                )
            )
        ).all()
    assert set(reasons) == {"reuse"}


async def test_expired_tokens_are_refused(
    database: Database, service: RefreshTokens, clock: SimulatedClock
) -> None:
    user_id = await _user(database)
    token = await _issue(database, service, user_id)
    clock.advance(TTL_S - 1)
    rotated = await _rotate(database, service, token)
    assert isinstance(rotated, Rotated)
    clock.advance(TTL_S)
    assert await _rotate(database, service, rotated.refresh.token) == Rejected("expired")


@pytest.mark.parametrize("token", ["", "nope", "x" * 4097])
async def test_unknown_tokens_are_refused(
    database: Database, service: RefreshTokens, token: str
) -> None:
    assert await _rotate(database, service, token) == Rejected("unknown")
    async with database.transaction() as session:
        assert await service.revoke(session, token=token) is None


async def test_a_disabled_user_cannot_refresh(database: Database, service: RefreshTokens) -> None:
    user_id = await _user(database)
    token = await _issue(database, service, user_id)
    async with database.transaction() as session:
        await users.set_active(session, user_id=user_id, is_active=False)
    assert await _rotate(database, service, token) == Rejected("inactive")
    async with database.transaction() as session:
        await users.set_active(session, user_id=user_id, is_active=True)
    # The family was revoked on the way: enabling the account does not revive it.
    assert await _rotate(database, service, token) == Rejected("revoked")


async def test_logout_revokes_one_family_and_revoke_all_every_family_of_one_user(
    database: Database, service: RefreshTokens
) -> None:
    alice = await _user(database, "alice@example.com")
    bob = await _user(database, "bob@example.com")
    a1, a2, a3 = [await _issue(database, service, alice) for _ in range(3)]
    b1 = await _issue(database, service, bob)

    async with database.transaction() as session:
        assert await service.revoke(session, token=a1) == alice
    assert await _rotate(database, service, a1) == Rejected("revoked")

    async with database.transaction() as session:
        assert await service.revoke_all(session, user_id=alice, reason="password") == 2
    for token in (a2, a3):
        assert await _rotate(database, service, token) == Rejected("revoked")
    assert isinstance(await _rotate(database, service, b1), Rotated)


def test_a_lifetime_must_be_positive(clock: SimulatedClock) -> None:
    with pytest.raises(ValueError, match="positive"):
        RefreshTokens(ttl_s=0, clock=clock)


async def test_two_requests_racing_with_one_token_get_one_pair(
    postgres_url: str, service: RefreshTokens
) -> None:
    db = Database(postgres_url, DatabaseSettings(pool_size=3, max_overflow=0, auto_migrate=True))
    await db.start()
    try:
        user_id = await _user(db)
        token = await _issue(db, service, user_id)
        async with db.transaction() as first:
            winner = await service.rotate(first, token=token)
            # The second request reads the token while the first has not committed; its
            # claim waits for the first's row lock, then finds the token spent.
            loser_task = asyncio.create_task(_rotate(db, service, token))
            await asyncio.sleep(0.3)
            assert not loser_task.done()
        assert isinstance(winner, Rotated)
        assert await loser_task == Rejected("reused")
        # A race is treated as a reuse: the winner's new token is revoked too.
        assert await _rotate(db, service, winner.refresh.token) == Rejected("revoked")
    finally:
        await db.close()


async def test_a_login_deletes_only_that_users_expired_tokens(
    database: Database, service: RefreshTokens, clock: SimulatedClock
) -> None:
    alice = await _user(database, "alice@example.com")
    bob = await _user(database, "bob@example.com")
    old = await _issue(database, service, alice)
    assert isinstance(await _rotate(database, service, old), Rotated)
    await _issue(database, service, bob)
    clock.advance(TTL_S + 1)
    live = await _issue(database, service, alice)

    async with database.transaction() as session:
        rows = (await session.scalars(select(RefreshTokenRow))).all()
    by_user = {(r.user_id, r.token_hash) for r in rows}
    # Alice's two expired rows are gone, Bob's expired one waits for his own next login.
    assert (alice, hash_token(live)) in by_user
    assert len([r for r in rows if r.user_id == alice]) == 1
    assert len([r for r in rows if r.user_id == bob]) == 1
    # Rotation within a family deletes nothing.
    assert isinstance(await _rotate(database, service, live), Rotated)
    async with database.transaction() as session:
        assert len((await session.scalars(select(RefreshTokenRow))).all()) == 3
