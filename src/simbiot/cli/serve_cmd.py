"""``simbiot serve api|learner``: run one service of the platform on its own."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from simbiot.cli.context import cli_context
from simbiot.config.loader import CONFIG_ENV_VAR
from simbiot.domain.errors import ConfigError
from simbiot.learning.cli_learner import learner_command

__all__ = ["register"]


def api_command(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to bind (default: api.host).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default: api.port).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: api.workers).")
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /api/v1/docs) until Ctrl-C or SIGTERM."""
    # Imported here so other commands do not pay for loading the web stack.
    import uvicorn

    from simbiot.api.app import create_app

    cli = cli_context(ctx)
    settings = cli.settings()
    bind_host = host or settings.api.host
    bind_port = port if port is not None else settings.api.port
    n = workers or settings.api.workers
    cli.err_console.print(
        f"Simbiot API on http://{bind_host}:{bind_port} (docs: /api/v1/docs, {n} worker(s))"
    )
    if n > 1:
        # Each worker builds its own app from the same configuration file.
        if cli.config_file is not None:
            os.environ[CONFIG_ENV_VAR] = str(cli.config_file)
        uvicorn.run(
            "simbiot.api.asgi:app_from_environment",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=n,
            proxy_headers=True,
            log_level="warning",
        )
        return
    try:
        app = create_app(settings)
    except ConfigError as exc:
        cli.err_console.print(f"[red]configuration error[/red]\n{exc}")
        raise typer.Exit(2) from exc
    uvicorn.run(app, host=bind_host, port=bind_port, proxy_headers=True, log_level="warning")


def jobs_command(
    ctx: typer.Context,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Job workers (default: api.job_workers).")
    ] = None,
) -> None:
    """Run background job workers (backtests, optimisations) without the API, until
    Ctrl-C or SIGTERM; jobs still running go back to the queue for another worker."""
    import asyncio

    from simbiot.api.jobs.standalone import serve_jobs
    from simbiot.services.runtime import ShutdownSignal, run_until_stopped

    cli = cli_context(ctx)
    settings = cli.settings()

    async def main(shutdown: ShutdownSignal) -> None:
        stop = asyncio.Event()

        async def relay() -> None:
            await shutdown.wait()
            stop.set()

        relay_task = asyncio.create_task(relay())
        try:
            await serve_jobs(settings, workers=workers, stop=stop)
        finally:
            relay_task.cancel()

    cli.err_console.print(f"job workers: {workers or max(1, settings.api.job_workers)}")
    asyncio.run(run_until_stopped(main))


def register(app: typer.Typer) -> None:
    """Add the ``serve`` group to ``app``."""
    group = typer.Typer(help="Run one service of the platform.", no_args_is_help=True)
    group.command("api")(api_command)
    group.command("learner")(learner_command)
    group.command("jobs")(jobs_command)
    app.add_typer(group, name="serve")
