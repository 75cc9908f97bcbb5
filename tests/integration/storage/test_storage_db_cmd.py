"""``simbiot db``: migrations, rotation and key generation through the real CLI."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from simbiot.cli import db_cmd
from simbiot.cli.app import build_app
from simbiot.config.sections import DatabaseSettings
from simbiot.security.secrets import CredentialCipher, ExchangeCredentials
from simbiot.storage.engine import create_engine, create_session_factory
from simbiot.storage.migrate import head
from simbiot.storage.repositories import accounts, users
from simbiot.storage.tables import ExchangeAccountRow

K1 = base64.b64encode(b"\x01" * 32).decode()
K2 = base64.b64encode(b"\x02" * 32).decode()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> typer.Typer:
    monkeypatch.chdir(tmp_path)  # no stray config/simbiot.yaml or .env
    monkeypatch.delenv("SIMBIOT_CONFIG", raising=False)
    monkeypatch.setenv("SIMBIOT_DATABASE__URL", sqlite_url)
    root = build_app()
    if "db" not in {g.name for g in root.registered_groups}:
        db_cmd.register(root)
    return root


def run(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_upgrade_current_downgrade(app: typer.Typer) -> None:
    code, out = run(app, "db", "current")
    assert code == 0, out
    assert "current: none" in out
    code, out = run(app, "db", "upgrade")
    assert code == 0, out
    assert f"revision {head()}" in out
    code, out = run(app, "db", "current")
    assert "up to date" in out
    code, out = run(app, "db", "downgrade", "base")
    assert code == 0, out
    assert "revision base" in out


def test_bad_revision_exits_1(app: typer.Typer) -> None:
    code, out = run(app, "db", "upgrade", "--revision", "nope")
    assert code == 1
    assert "migration failed" in out


async def _seed(url: str) -> int:
    engine = create_engine(url, DatabaseSettings())
    try:
        async with create_session_factory(engine)() as session, session.begin():
            user = await users.create(session, email="c@x.io", password_hash="h")
            row = await accounts.add(
                session,
                CredentialCipher({"k1": b"\x01" * 32}, "k1"),
                user_id=user.id,
                exchange="mexc",
                label="main",
                credentials=ExchangeCredentials("apikey0001", "apisecret"),
            )
            return row.id
    finally:
        await engine.dispose()


async def _key_ids(url: str) -> list[str]:
    engine = create_engine(url, DatabaseSettings())
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.scalars(select(ExchangeAccountRow.key_id))).all())
    finally:
        await engine.dispose()


def test_reencrypt_rotates_to_active_key(
    app: typer.Typer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(app, "db", "upgrade")[0] == 0
    asyncio.run(_seed(sqlite_url))
    monkeypatch.setenv("SIMBIOT_SECURITY__MASTER_KEYS", json.dumps({"k1": K1, "k2": K2}))
    monkeypatch.setenv("SIMBIOT_SECURITY__ACTIVE_KEY_ID", "k2")
    code, out = run(app, "db", "reencrypt")
    assert code == 0, out
    assert "re-encrypted 1 account(s) under key 'k2'" in out
    assert asyncio.run(_key_ids(sqlite_url)) == ["k2"]


def test_reencrypt_with_missing_old_key_reports_failure(
    app: typer.Typer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(app, "db", "upgrade")[0] == 0
    account_id = asyncio.run(_seed(sqlite_url))
    monkeypatch.setenv("SIMBIOT_SECURITY__MASTER_KEYS", json.dumps({"k2": K2}))
    monkeypatch.setenv("SIMBIOT_SECURITY__ACTIVE_KEY_ID", "k2")
    code, out = run(app, "db", "reencrypt")
    assert code == 1
    assert f"could not open account(s) {account_id}" in out
    assert asyncio.run(_key_ids(sqlite_url)) == ["k1"]


def test_reencrypt_without_keys_is_a_clear_error(app: typer.Typer) -> None:
    code, out = run(app, "db", "reencrypt")
    assert code == 1
    assert "master_keys" in out


def test_keys_generate(app: typer.Typer) -> None:
    code, out = run(app, "db", "keys", "generate", "--id", "k2027")
    assert code == 0, out
    line = next(x for x in out.splitlines() if x.startswith("SIMBIOT_SECURITY__MASTER_KEYS="))
    keys = json.loads(line.split("=", 1)[1].strip("'"))
    assert list(keys) == ["k2027"]
    assert len(base64.b64decode(keys["k2027"])) == 32
    assert "SIMBIOT_SECURITY__ACTIVE_KEY_ID=k2027" in out
