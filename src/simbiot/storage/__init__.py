"""Storage: SQLAlchemy async engine, tables, repositories and Alembic migrations.

The same code runs on PostgreSQL (asyncpg) and on SQLite (aiosqlite, the embedded default)::

    db = Database(settings.database_url, settings.database)
    await db.start()                      # migrates when database.auto_migrate is on
    async with db.transaction() as session:
        user = await users.create(session, email="a@b.io", password_hash=hashed)
        await orders.create(session, user_id=user.id, bot_id=None, account_ref="paper:1", ...)

Repositories (``simbiot.storage.repositories.*``) never commit; every query is scoped by
user id; another user's row raises ``NotFound`` and a uniqueness violation ``Conflict``.
New tables go in ``storage/tables`` with a new revision in ``storage/migrations/versions``.
"""
