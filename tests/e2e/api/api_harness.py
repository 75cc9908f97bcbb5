"""Running a real API server (uvicorn on a free port) for tests, and a client to it."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from simbiot.api.state import ApiState
from simbiot.config import Settings
from simbiot.storage.repositories import users

# Cheap Argon2 parameters: the tests exercise the flow, not the hash cost.
FAST_SECURITY: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 64,
    "argon2_parallelism": 1,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def api_settings(
    tmp_path: Path, *, database_url: str, redis_url: str | None = None, **sections: Any
) -> Settings:
    """Settings for a test server: its own data dir, the given database, cache and bus."""
    doc: dict[str, Any] = {
        "app": {"data_dir": str(tmp_path / "var"), "environment": "test"},
        "database": {"url": database_url},
        "logging": {"file": None, "console": False},
        "metrics": {"port": 0},
        "security": {
            **FAST_SECURITY,
            "jwt_secret": "test-secret-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "master_keys": {"k1": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="},
            "active_key_id": "k1",
        },
    }
    if redis_url is not None:
        prefix = f"simbiot-test:{uuid.uuid4().hex[:12]}:"
        doc["cache"] = {"backend": "redis", "redis_url": redis_url, "key_prefix": prefix}
        doc["bus"] = {"backend": "redis", "redis_url": redis_url, "stream_prefix": prefix + "bus:"}
    for name, values in sections.items():
        doc[name] = {**doc.get(name, {}), **values}
    return Settings.model_validate(doc)


@dataclass
class ApiHarness:
    """A running server, an HTTP client to it, and the app's state for arranging tests."""

    app: FastAPI
    client: httpx.AsyncClient
    base_url: str

    @property
    def state(self) -> ApiState:
        state: ApiState = self.app.state.api
        return state

    async def user(
        self, email: str | None = None, *, role: str = "user", password: str = "correct horse 9"
    ) -> tuple[int, dict[str, str]]:
        """Create a user directly in the database; return its id and Authorization headers."""
        email = email or f"u{uuid.uuid4().hex[:10]}@example.com"
        hashed = await self.state.passwords.hash_async(password)
        async with self.state.container.database.transaction() as session:
            row = await users.create(session, email=email, password_hash=hashed, role=role)
        token = self.state.tokens.issue(row.id, role)
        return row.id, {"Authorization": f"Bearer {token}"}


async def serve(app: FastAPI) -> AsyncIterator[ApiHarness]:
    """Run ``app`` under uvicorn on a free port until the caller is done."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.02)
    if not server.started:
        if task.done():
            task.result()
        raise RuntimeError("the API server did not start")
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield ApiHarness(app, client, base)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
