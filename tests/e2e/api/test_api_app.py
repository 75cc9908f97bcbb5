"""The application shell: probes, one error shape, OpenAPI, lifespan-owned resources."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.api.app import create_app
from simbiot.config import Settings
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import ConfigError
from simbiot.security.local_secrets import with_local_secrets
from simbiot.services.container import Container


async def test_probes_answer(api: ApiHarness) -> None:
    assert (await api.client.get("/health")).json() == {"status": "ok", "database": None}
    ready = await api.client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] is True


async def test_unknown_route_gets_the_error_shape(api_sqlite: ApiHarness) -> None:
    r = await api_sqlite.client.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "Not Found"}}


async def test_openapi_is_served_under_the_prefix(api_sqlite: ApiHarness) -> None:
    r = await api_sqlite.client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["info"]["title"] == "Simbiot API"
    assert "/health" in doc["paths"]


async def test_closing_the_app_closes_its_database(tmp_path: Path) -> None:
    settings = api_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db")
    app = create_app(settings)
    async for harness in serve(app):
        assert (await harness.client.get("/ready")).status_code == 200
        container = harness.state.container
    # After shutdown the container's closers have all run.
    assert container._closers == []


def test_production_without_secrets_is_refused(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"app": {"environment": "production", "data_dir": str(tmp_path)}}
    )
    with pytest.raises(ConfigError, match=r"security\.jwt_secret"):
        create_app(settings)


def test_embedded_mode_generates_and_keeps_its_secrets(tmp_path: Path) -> None:
    settings = Settings.model_validate({"app": {"data_dir": str(tmp_path)}})
    first = with_local_secrets(settings).security
    again = with_local_secrets(settings).security
    assert first.jwt_secret is not None
    assert again.jwt_secret is not None
    assert first.jwt_secret.get_secret_value() == again.jwt_secret.get_secret_value()
    assert len(first.jwt_secret.get_secret_value()) >= 32
    assert first.active_key_id in first.master_keys
    assert (tmp_path / "local-secrets.json").stat().st_mode & 0o077 == 0


def test_a_corrupt_local_secrets_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "local-secrets.json").write_text("{not json")
    settings = Settings.model_validate({"app": {"data_dir": str(tmp_path)}})
    with pytest.raises(ConfigError, match="local secrets"):
        with_local_secrets(settings)


async def test_tokens_live_in_real_time_beside_a_simulated_venue(tmp_path: Path) -> None:
    """A venue clock running far ahead must not expire tokens early (or late)."""
    settings = api_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/v.db")
    venue = SimulatedClock(start_ms=4_000_000_000_000)  # year 2096
    container = Container(settings, clock=venue)
    async with container:
        async for harness in serve(create_app(settings, container=container)):
            _, headers = await harness.user()
            token = headers["Authorization"].removeprefix("Bearer ")
            exp = jwt.decode(token, options={"verify_signature": False})["exp"]
            assert abs(exp - (time.time() + settings.security.access_token_ttl_s)) < 60
            r = await harness.client.get("/api/v1/me", headers=headers)
            assert r.status_code == 200
