"""``simbiot users``: create accounts and administrators, change roles, list users.

The first administrator of a deployment is made here (the API only lets administrators
make others). Passwords are read from a hidden prompt or, for scripts, from stdin.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated, Literal

import typer
from pydantic import ValidationError

from simbiot.api.schemas.auth import RegisterIn
from simbiot.cli.context import CliContext, cli_context
from simbiot.config import Settings
from simbiot.domain.errors import Conflict, NotFound, StorageError
from simbiot.security.passwords import PasswordHasher
from simbiot.storage.database import Database
from simbiot.storage.repositories import users

__all__ = ["register"]

Role = Literal["user", "admin"]


def _fail(cli: CliContext, message: str) -> typer.Exit:
    cli.err_console.print(f"[red]error[/red]: {message}", highlight=False)
    return typer.Exit(1)


async def _create(settings: Settings, email: str, password: str, role: Role) -> int:
    hasher = PasswordHasher.from_settings(settings.security)
    db = Database(settings.database_url, settings.database)
    try:
        await db.start()
        hashed = await hasher.hash_async(password)
        async with db.transaction() as session:
            row = await users.create(session, email=email, password_hash=hashed, role=role)
        return row.id
    finally:
        await db.close()


async def _set_role(settings: Settings, email: str, role: Role) -> int:
    db = Database(settings.database_url, settings.database)
    try:
        await db.start()
        async with db.transaction() as session:
            row = await users.get_by_email(session, email=email)
            await users.set_role(session, user_id=row.id, role=role)
            return row.id
    finally:
        await db.close()


async def _list(settings: Settings, limit: int) -> list[tuple[int, str, str, bool]]:
    db = Database(settings.database_url, settings.database)
    try:
        await db.start()
        async with db.read() as session:
            rows = await users.page(session, limit=limit, active_only=False)
            return [(r.id, r.email, r.role, r.is_active) for r in rows]
    finally:
        await db.close()


def _password(cli: CliContext, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def register(app: typer.Typer) -> None:
    """Add the ``users`` group to ``app``."""
    group = typer.Typer(help="User accounts and administrators.", no_args_is_help=True)

    @group.command("create")
    def create(
        ctx: typer.Context,
        email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
        admin: Annotated[bool, typer.Option("--admin", help="Make an administrator.")] = False,
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="Read the password from stdin.")
        ] = False,
    ) -> None:
        """Create a user (the API's password and e-mail rules apply)."""
        cli = cli_context(ctx)
        settings = cli.settings()
        password = _password(cli, password_stdin)
        try:
            checked = RegisterIn(email=email, password=password)
        except ValidationError as exc:
            reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise _fail(cli, f"not accepted: {reasons}") from exc
        role: Role = "admin" if admin else "user"
        try:
            user_id = asyncio.run(_create(settings, checked.email, checked.password, role))
        except Conflict as exc:
            raise _fail(cli, f"{email} is already registered") from exc
        except StorageError as exc:
            raise _fail(cli, str(exc)) from exc
        cli.console.print(f"created {role} {checked.email} (id {user_id})")

    @group.command("role")
    def role(
        ctx: typer.Context,
        email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
        new_role: Annotated[Role, typer.Argument(metavar="ROLE", help="user or admin.")],
    ) -> None:
        """Make a user an administrator, or an ordinary user again."""
        cli = cli_context(ctx)
        try:
            user_id = asyncio.run(_set_role(cli.settings(), email, new_role))
        except NotFound as exc:
            raise _fail(cli, f"no user {email}") from exc
        except StorageError as exc:
            raise _fail(cli, str(exc)) from exc
        cli.console.print(f"{email} (id {user_id}) is now {new_role}")

    @group.command("list")
    def list_users(
        ctx: typer.Context,
        limit: Annotated[int, typer.Option(min=1, max=10_000, help="Users to show.")] = 100,
    ) -> None:
        """List users with their role and state, oldest first."""
        cli = cli_context(ctx)
        try:
            rows = asyncio.run(_list(cli.settings(), limit))
        except StorageError as exc:
            raise _fail(cli, str(exc)) from exc
        for user_id, email, user_role, active in rows:
            state = "active" if active else "disabled"
            cli.console.print(f"{user_id:>8}  {email:<40} {user_role:<6} {state}")

    app.add_typer(group, name="users")
