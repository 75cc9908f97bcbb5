"""``simbiot db``: schema migrations, credential key rotation and master keys."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from simbiot.cli.context import CliContext, cli_context
from simbiot.config import Settings
from simbiot.domain.errors import ConfigError, StorageError
from simbiot.security.rotation import RotationReport, reencrypt_all
from simbiot.security.secrets import CredentialCipher, generate_master_key
from simbiot.storage import migrate
from simbiot.storage.engine import create_engine, create_session_factory

__all__ = ["register"]


def _fail(cli: CliContext, exc: Exception) -> typer.Exit:
    cli.err_console.print(f"[red]error[/red]: {exc}", highlight=False)
    return typer.Exit(1)


async def _reencrypt(settings: Settings, cipher: CredentialCipher) -> RotationReport:
    engine = create_engine(settings.database_url, settings.database)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await reencrypt_all(session, cipher)
    finally:
        await engine.dispose()


def register(app: typer.Typer) -> None:
    """Add the ``db`` group (and ``db keys``) to ``app``."""
    group = typer.Typer(help="Database schema and stored credentials.", no_args_is_help=True)
    keys = typer.Typer(help="Master keys that encrypt exchange credentials.", no_args_is_help=True)

    @group.command("upgrade")
    def upgrade(
        ctx: typer.Context,
        revision: Annotated[
            str, typer.Option("--revision", "-r", help="Target revision.")
        ] = "head",
    ) -> None:
        """Migrate the database schema up to REVISION (default: the newest)."""
        cli = cli_context(ctx)
        settings = cli.settings()
        try:
            migrate.upgrade(settings.database_url, revision, settings=settings.database)
            now = migrate.current(settings.database_url, settings=settings.database)
        except StorageError as exc:
            raise _fail(cli, exc) from exc
        cli.console.print(f"database at revision {now}")

    @group.command("downgrade")
    def downgrade(
        ctx: typer.Context,
        revision: Annotated[str, typer.Argument(help="Target revision; 'base' drops all.")],
    ) -> None:
        """Migrate the database schema down to REVISION."""
        cli = cli_context(ctx)
        settings = cli.settings()
        try:
            migrate.downgrade(settings.database_url, revision, settings=settings.database)
            now = migrate.current(settings.database_url, settings=settings.database)
        except StorageError as exc:
            raise _fail(cli, exc) from exc
        cli.console.print(f"database at revision {now or 'base'}")

    @group.command("current")
    def current(ctx: typer.Context) -> None:
        """Print the database's schema revision and the newest one available."""
        cli = cli_context(ctx)
        settings = cli.settings()
        try:
            now = migrate.current(settings.database_url, settings=settings.database)
        except StorageError as exc:
            raise _fail(cli, exc) from exc
        head = migrate.head()
        state = "up to date" if now == head else "needs `simbiot db upgrade`"
        cli.console.print(f"current: {now or 'none'}  head: {head}  ({state})")

    @group.command("reencrypt")
    def reencrypt(ctx: typer.Context) -> None:
        """Re-seal every stored exchange credential under the active master key."""
        cli = cli_context(ctx)
        settings = cli.settings()
        try:
            cipher = CredentialCipher.from_settings(settings.security)
            report = asyncio.run(_reencrypt(settings, cipher))
        except (ConfigError, StorageError) as exc:
            raise _fail(cli, exc) from exc
        cli.console.print(
            f"re-encrypted {report.resealed} account(s) under key {cipher.active_key_id!r}"
        )
        if report.failed:
            ids = ", ".join(map(str, report.failed))
            cli.err_console.print(f"[red]could not open account(s) {ids}[/red]; left unchanged")
            raise typer.Exit(1)

    @keys.command("generate")
    def generate(
        key_id: Annotated[
            str | None, typer.Option("--id", help="Key id (default: k<YYYYMMDD>).")
        ] = None,
    ) -> None:
        """Print a new random master key and the settings lines that install it."""
        kid = key_id or "k" + datetime.now(UTC).strftime("%Y%m%d")
        key = generate_master_key()
        typer.echo(f"key id: {kid}")
        typer.echo(f"key:    {key}")
        typer.echo("Add it to .env (keep the old keys until `simbiot db reencrypt` has run):")
        typer.echo(f"SIMBIOT_SECURITY__MASTER_KEYS='{json.dumps({kid: key})}'")
        typer.echo(f"SIMBIOT_SECURITY__ACTIVE_KEY_ID={kid}")

    group.add_typer(keys, name="keys")
    app.add_typer(group, name="db")
