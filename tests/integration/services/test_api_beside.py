"""The API served beside another command over its container; a taken port is reported."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import httpx
from rich.console import Console

from simbiot.cli.api_beside import api_beside, with_api_secrets
from simbiot.config import load_settings
from simbiot.services.container import Container


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200), out


async def test_serves_over_the_callers_container_and_stops(tmp_path: Path) -> None:
    settings = with_api_secrets(load_settings(env_file=None, app={"data_dir": str(tmp_path)}))
    console, out = _console()
    async with Container(settings) as c:
        async with api_beside(settings, c, console, port=0) as url:
            assert url is not None
            async with httpx.AsyncClient(base_url=url) as client:
                ready = await client.get("/ready")
                assert ready.status_code == 200
                assert ready.json()["database"] is True
        # The container outlives the server: it belongs to the command.
        assert await c.database.ping()
    assert "API on http://127.0.0.1:" in out.getvalue()


async def test_a_taken_port_is_reported_and_nothing_served(tmp_path: Path) -> None:
    settings = load_settings(env_file=None, app={"data_dir": str(tmp_path)})
    console, out = _console()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with Container(settings) as c, api_beside(settings, c, console, port=port) as url:
            assert url is None
    assert f"cannot listen on 127.0.0.1:{port}" in out.getvalue()


async def test_disabled_serves_nothing(tmp_path: Path) -> None:
    settings = load_settings(env_file=None, app={"data_dir": str(tmp_path)})
    console, out = _console()
    async with Container(settings) as c, api_beside(settings, c, console, enabled=False) as url:
        assert url is None
    assert out.getvalue() == ""


async def test_missing_secrets_outside_an_embedded_install_are_reported(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None, app={"data_dir": str(tmp_path), "environment": "production"}
    )
    assert with_api_secrets(settings) is settings
    console, out = _console()
    async with Container(settings) as c, api_beside(settings, c, console, port=0) as url:
        assert url is None
    assert "API not served" in out.getvalue()
