"""Storage: SQLAlchemy async engine, tables, repositories and Alembic migrations."""
