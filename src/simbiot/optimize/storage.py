"""Where studies live: optuna's RDBStorage on the product's database (sync driver)."""

from __future__ import annotations

from pathlib import Path

import optuna
from sqlalchemy.engine import make_url

__all__ = ["open_storage", "sync_url"]

# optuna drives SQLAlchemy synchronously: each async driver maps to its blocking twin.
_SYNC_DRIVERS = {
    "postgresql+asyncpg": "postgresql+psycopg",
    "sqlite+aiosqlite": "sqlite",
}


def sync_url(url: str | None, data_dir: Path) -> str:
    """Return the blocking-driver URL of ``url``; None means ``data_dir/optuna.db``."""
    if url is None:
        return f"sqlite:///{data_dir / 'optuna.db'}"
    parsed = make_url(url)
    driver = _SYNC_DRIVERS.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """Open (and create the tables of) the study storage at a blocking-driver ``url``."""
    kwargs: dict[str, object] = {}
    if url.startswith("sqlite"):
        # Several workers write one SQLite file: wait for the lock instead of failing.
        kwargs = {"connect_args": {"timeout": 30}}
    else:
        kwargs = {"pool_pre_ping": True}
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
