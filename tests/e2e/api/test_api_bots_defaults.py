"""Bots created over HTTP without a strategy follow the strategy chosen in the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.api.app import create_app
from simbiot.config import Settings
from simbiot.storage.repositories import settings as user_settings

BOTS = "/api/v1/bots"
SETTINGS = "/api/v1/settings"
ROOMY = {"plans": {"free": {"entitlements": {"max_bots": 5}}}}


@pytest.fixture(params=["sqlite", "postgresql"])
def roomy_config(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """A plan allowing several bots, on SQLite with the memory cache, then PostgreSQL + Redis."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/api.db"
        return api_settings(tmp_path, database_url=url, billing=ROOMY)
    pg: str = request.getfixturevalue("postgres_url")
    redis: str = request.getfixturevalue("redis_url")
    return api_settings(tmp_path, database_url=pg, redis_url=redis, billing=ROOMY)


@pytest.fixture
async def roomy(roomy_config: Settings) -> AsyncIterator[ApiHarness]:
    """The API with the roomy plan."""
    async for harness in serve(create_app(roomy_config)):
        yield harness


async def _choose(api: ApiHarness, headers: dict[str, str], strategy: dict[str, Any]) -> None:
    r = await api.client.put(
        SETTINGS, json={"strategy": strategy}, headers={**headers, "If-Match": '"0"'}
    )
    assert r.status_code == 200, r.text


async def _bot_count(api: ApiHarness, headers: dict[str, str]) -> int:
    r = await api.client.get(BOTS, headers=headers)
    assert r.status_code == 200, r.text
    return len(r.json()["items"])


async def test_without_a_strategy_anywhere_the_request_names_what_is_missing(
    api: ApiHarness,
) -> None:
    _, h = await api.user()
    r = await api.client.post(BOTS, json={"name": "lazy"}, headers=h)
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert "strategy is missing" in message
    assert "settings" in message
    assert await _bot_count(api, h) == 0


async def test_the_settings_strategy_and_its_parameters_are_the_defaults(
    roomy: ApiHarness,
) -> None:
    api = roomy
    _, h = await api.user()
    await _choose(api, h, {"name": "mean_reversion", "params": {"rsi_entry": 33.0}})

    r = await api.client.post(BOTS, json={"name": "follows"}, headers=h)
    assert r.status_code == 201, r.text
    bot = r.json()
    assert bot["strategy"] == "mean_reversion"
    assert bot["params"]["rsi_entry"] == 33.0
    assert bot["params"]["rsi_exit"] == 55.0  # the strategy's own default

    # Parameters given are laid over the settings' ones.
    r = await api.client.post(BOTS, json={"name": "tuned", "params": {"bb_len": 30}}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["params"]["rsi_entry"] == 33.0
    assert r.json()["params"]["bb_len"] == 30

    # The same strategy named explicitly still starts from the settings' parameters.
    r = await api.client.post(BOTS, json={"name": "named", "strategy": "mean_reversion"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["params"]["rsi_entry"] == 33.0


async def test_another_strategy_named_explicitly_keeps_its_own_defaults(
    api_sqlite: ApiHarness,
) -> None:
    api = api_sqlite
    _, h = await api.user()
    await _choose(api, h, {"name": "mean_reversion", "params": {"rsi_entry": 33.0}})
    r = await api.client.post(BOTS, json={"name": "trend", "strategy": "trend_ema_adx"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["strategy"] == "trend_ema_adx"
    assert "rsi_entry" not in r.json()["params"]


async def test_bad_parameters_for_the_settings_strategy_are_refused(api_sqlite: ApiHarness) -> None:
    api = api_sqlite
    _, h = await api.user()
    await _choose(api, h, {"name": "mean_reversion"})
    r = await api.client.post(BOTS, json={"name": "bad", "params": {"no_such": 1}}, headers=h)
    assert r.status_code == 422, r.text
    assert "no_such" in r.json()["error"]["message"]
    assert await _bot_count(api, h) == 0


async def test_a_settings_choice_the_engine_no_longer_accepts(api_sqlite: ApiHarness) -> None:
    api = api_sqlite
    uid, h = await api.user()
    # Written when the strategy existed; the deployment has since dropped it.
    async with api.state.container.database.transaction() as session:
        await user_settings.put(
            session, user_id=uid, doc={"strategy": {"name": "retired"}}, expected_version=0
        )
    r = await api.client.post(BOTS, json={"name": "lazy"}, headers=h)
    assert r.status_code == 422, r.text
    assert "retired" in r.json()["error"]["message"]
    assert await _bot_count(api, h) == 0
    named = await api.client.post(
        BOTS, json={"name": "named", "strategy": "mean_reversion"}, headers=h
    )
    assert named.status_code == 201, named.text
    assert named.json()["params"]["rsi_exit"] == 55.0
