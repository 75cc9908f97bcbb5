"""Contract: users and settings repositories, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from simbiot.domain.errors import Conflict, NotFound
from simbiot.storage.repositories import audit, settings, users
from simbiot.storage.tables import AuditRow, UserSettingsRow


async def test_create_and_find_user_by_email_case_insensitively(session: AsyncSession) -> None:
    created = await users.create(session, email=" Alice@Example.COM ", password_hash="h")
    await session.commit()

    found = await users.get_by_email(session, email="alice@example.com")
    assert found.id == created.id
    assert found.email == "alice@example.com"
    assert found.role == "user"
    assert found.is_active
    assert found.created_at.tzinfo is not None
    assert (await users.get(session, user_id=created.id)).email == "alice@example.com"


async def test_duplicate_email_is_a_conflict_and_the_transaction_survives(
    session: AsyncSession,
) -> None:
    await users.create(session, email="a@x.io", password_hash="h")
    with pytest.raises(Conflict):
        await users.create(session, email="A@X.io", password_hash="h2")
    # The savepoint rolled back only the failed insert.
    other = await users.create(session, email="b@x.io", password_hash="h")
    await session.commit()
    assert (await users.get(session, user_id=other.id)).email == "b@x.io"


async def test_unknown_user_is_not_found(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await users.get(session, user_id=424242)
    with pytest.raises(NotFound):
        await users.get_by_email(session, email="nobody@x.io")


async def test_invalid_role_is_refused(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="role"):
        await users.create(session, email="r@x.io", password_hash="h", role="root")


async def test_set_active_and_password_hash(session: AsyncSession) -> None:
    user = await users.create(session, email="s@x.io", password_hash="old")
    await users.set_active(session, user_id=user.id, is_active=False)
    await users.set_password_hash(session, user_id=user.id, password_hash="new")
    await session.commit()
    again = await users.get(session, user_id=user.id)
    assert (again.is_active, again.password_hash) == (False, "new")


async def test_settings_versioning(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as s:
        user = await users.create(s, email="v@x.io", password_hash="h")
        assert await settings.get(s, user_id=user.id) == settings.VersionedDoc({}, 0)
        first = await settings.put(s, user_id=user.id, doc={"risk": 1}, expected_version=0)
        await s.commit()
    assert first.version == 1

    async with sessions() as s:
        second = await settings.put(s, user_id=user.id, doc={"risk": 2}, expected_version=1)
        await s.commit()
    assert second.version == 2

    async with sessions() as s:
        # A writer that read version 1 lost the race.
        with pytest.raises(Conflict):
            await settings.put(s, user_id=user.id, doc={"risk": 9}, expected_version=1)
        with pytest.raises(Conflict):
            await settings.put(s, user_id=user.id, doc={"risk": 9}, expected_version=0)
        await s.commit()
        assert await settings.get(s, user_id=user.id) == settings.VersionedDoc({"risk": 2}, 2)


async def test_settings_of_unknown_user(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await settings.get(session, user_id=999)
    with pytest.raises(NotFound):
        await settings.put(session, user_id=999, doc={}, expected_version=0)


async def test_page_walks_all_active_users_in_id_order(session: AsyncSession) -> None:
    made = [await users.create(session, email=f"u{i}@x.io", password_hash="h") for i in range(5)]
    await users.set_active(session, user_id=made[2].id, is_active=False)
    await session.commit()

    seen: list[int] = []
    after = 0
    while batch := await users.page(session, after_id=after, limit=2):
        seen += [u.id for u in batch]
        after = batch[-1].id
    assert seen == [u.id for u in made if u.id != made[2].id]
    everyone = await users.page(session, limit=10, active_only=False)
    assert [u.id for u in everyone] == [u.id for u in made]
    with pytest.raises(ValueError, match="limit"):
        await users.page(session, limit=0)


async def test_delete_user_removes_what_they_own_and_keeps_audit(session: AsyncSession) -> None:
    gone = await users.create(session, email="gone@x.io", password_hash="h")
    kept = await users.create(session, email="kept@x.io", password_hash="h")
    await settings.put(session, user_id=gone.id, doc={"a": 1}, expected_version=0)
    await settings.put(session, user_id=kept.id, doc={"b": 2}, expected_version=0)
    entry = await audit.append(session, user_id=gone.id, actor="api", action="x", subject="y")
    await session.commit()

    await users.delete(session, user_id=gone.id)
    await session.commit()
    session.expunge_all()
    with pytest.raises(NotFound):
        await users.get(session, user_id=gone.id)
    assert await session.scalar(select(func.count()).select_from(UserSettingsRow)) == 1
    assert (await settings.get(session, user_id=kept.id)).doc == {"b": 2}
    orphan = await session.get(AuditRow, entry.id)
    assert orphan is not None
    assert orphan.user_id is None
    with pytest.raises(NotFound):
        await users.delete(session, user_id=gone.id)
