"""Exchange API keys over HTTP: checked with the venue, sealed at rest, masked, deletable."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from api_harness import ApiHarness, api_settings, serve
from sqlalchemy import select

from simbiot.api.app import create_app
from simbiot.config import Settings
from simbiot.exchange.simulator import SimulatorConfig, SimulatorServer
from simbiot.storage.repositories import accounts, bots, strategies
from simbiot.storage.tables import AuditRow, ExchangeAccountRow

URL = "/api/v1/keys"
TRADE_KEY, TRADE_SECRET = "tradeKEY-0123456789-WXYZ", "trade-SECRET-abcdefghijklmnop"
WD_KEY, WD_SECRET = "withdrawKEY-0123456789-QRST", "withdraw-SECRET-abcdefghijklmno"
FAST_RETRY = {"attempts": 2, "base_delay_s": 0.01, "max_delay_s": 0.05}


@pytest.fixture
async def venue() -> AsyncIterator[SimulatorServer]:
    sim = SimulatorServer(SimulatorConfig(symbols=5, seed=1, manual_clock=True))
    await sim.start(host="127.0.0.1", port=0)
    sim.add_account(TRADE_KEY, TRADE_SECRET, {"USDT": Decimal(1000)})
    sim.add_account(WD_KEY, WD_SECRET, {}, can_withdraw=True)
    try:
        yield sim
    finally:
        await sim.stop()


def _venues(base_url: str, *, binance_url: str | None = None) -> dict[str, Any]:
    def one(url: str) -> dict[str, Any]:
        return {"base_url": url, "timeout_s": 2.0, "retry": FAST_RETRY}

    return {
        "default": "mexc",
        "venues": {"mexc": one(base_url), "binance": one(binance_url or base_url + "/binance")},
    }


def _settings(
    tmp_path: Path, request: pytest.FixtureRequest, exchanges: dict[str, Any]
) -> Settings:
    if request.param == "sqlite":
        return api_settings(
            tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/k.db", exchanges=exchanges
        )
    return api_settings(
        tmp_path,
        database_url=request.getfixturevalue("postgres_url"),
        redis_url=request.getfixturevalue("redis_url"),
        exchanges=exchanges,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def keys_settings(
    request: pytest.FixtureRequest, tmp_path: Path, venue: SimulatorServer
) -> Settings:
    """Settings on each backend pair with the venues served by the simulator."""
    assert venue.base_url is not None
    return _settings(tmp_path, request, _venues(venue.base_url))


@pytest.fixture
async def keys_api(keys_settings: Settings) -> AsyncIterator[ApiHarness]:
    async for harness in serve(create_app(keys_settings)):
        yield harness


def _key(exchange: str = "binance", label: str = "main", **over: Any) -> dict[str, Any]:
    return {
        "exchange": exchange,
        "label": label,
        "api_key": TRADE_KEY,
        "secret": TRADE_SECRET,
    } | over


async def _rows(api: ApiHarness, user_id: int) -> list[ExchangeAccountRow]:
    async with api.state.container.database.transaction() as session:
        return list(await accounts.list_for_user(session, user_id=user_id))


async def test_a_trade_only_key_is_stored_sealed_and_shown_masked(
    keys_api: ApiHarness, venue: SimulatorServer
) -> None:
    api = keys_api
    user_id, headers = await api.user()
    r = await api.client.post(URL, json=_key(), headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["api_key_last4"] == TRADE_KEY[-4:]
    assert body["withdraw_permission"] == "no"
    assert set(body) == {
        "id",
        "exchange",
        "label",
        "api_key_last4",
        "created_at",
        "withdraw_permission",
    }
    assert TRADE_KEY not in r.text
    assert TRADE_SECRET not in r.text
    assert [rec.route for rec in venue.records] == ["binance_apiRestrictions"]

    listed = await api.client.get(URL, headers=headers)
    assert listed.status_code == 200
    assert listed.json()["items"] == [
        {k: body[k] for k in ("id", "exchange", "label", "api_key_last4", "created_at")}
    ]
    assert TRADE_KEY not in listed.text
    assert TRADE_SECRET not in listed.text

    (row,) = await _rows(api, user_id)
    assert TRADE_KEY.encode() not in row.ciphertext
    assert TRADE_SECRET.encode() not in row.ciphertext
    assert row.can_withdraw is False
    async with api.state.container.database.transaction() as session:
        creds = await accounts.open_credentials(
            session, api.state.container.cipher(), user_id=user_id, account_id=row.id
        )
        (entry,) = (
            await session.scalars(select(AuditRow).where(AuditRow.user_id == user_id))
        ).all()
    assert (creds.api_key, creds.secret) == (TRADE_KEY, TRADE_SECRET)
    assert entry.action == "key.add"
    assert entry.detail["withdraw"] == "no"


async def test_a_key_that_can_withdraw_is_refused(keys_api: ApiHarness) -> None:
    api = keys_api
    user_id, headers = await api.user()
    r = await api.client.post(URL, json=_key(api_key=WD_KEY, secret=WD_SECRET), headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "key_can_withdraw"
    assert "withdraw" in r.json()["error"]["message"]
    assert await _rows(api, user_id) == []


async def test_a_key_the_venue_refuses_is_not_stored(keys_api: ApiHarness) -> None:
    api = keys_api
    user_id, headers = await api.user()
    for body in (_key(api_key="unknownKEY-12345678"), _key(secret="wrong-secret-123456789")):
        r = await api.client.post(URL, json=body, headers=headers)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "key_refused"
    assert await _rows(api, user_id) == []


async def test_a_venue_that_cannot_tell_gets_unknown(
    keys_api: ApiHarness, venue: SimulatorServer
) -> None:
    api = keys_api
    user_id, headers = await api.user()
    r = await api.client.post(URL, json=_key("mexc", passphrase="pass-phrase"), headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["withdraw_permission"] == "unknown"
    assert venue.records == []  # MEXC has no key-permission route to ask
    (row,) = await _rows(api, user_id)
    assert row.exchange == "mexc"
    async with api.state.container.database.transaction() as session:
        creds = await accounts.open_credentials(
            session, api.state.container.cipher(), user_id=user_id, account_id=row.id
        )
    assert creds.password == "pass-phrase"


async def test_labels_are_unique_per_exchange_and_pages_are_bounded(keys_api: ApiHarness) -> None:
    api = keys_api
    _, headers = await api.user()
    assert (await api.client.post(URL, json=_key(label="a"), headers=headers)).status_code == 201
    dup = await api.client.post(URL, json=_key(label="a"), headers=headers)
    assert dup.status_code == 409
    assert (await api.client.post(URL, json=_key("mexc", "a"), headers=headers)).status_code == 201
    assert (await api.client.post(URL, json=_key(label="b"), headers=headers)).status_code == 201
    first = (await api.client.get(URL, params={"limit": 2}, headers=headers)).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"] == first["items"][-1]["id"]
    rest = await api.client.get(
        URL, params={"limit": 2, "after": first["next_cursor"]}, headers=headers
    )
    assert [k["label"] for k in rest.json()["items"]] == ["b"]
    assert rest.json()["next_cursor"] is None
    too_many = await api.client.get(URL, params={"limit": 100_000}, headers=headers)
    assert too_many.status_code == 422


async def test_delete_removes_only_the_callers_unused_key(keys_api: ApiHarness) -> None:
    api = keys_api
    alice_id, alice = await api.user()
    bob_id, bob = await api.user()
    used = (await api.client.post(URL, json=_key(label="used"), headers=alice)).json()["id"]
    free = (await api.client.post(URL, json=_key(label="free"), headers=alice)).json()["id"]
    async with api.state.container.database.transaction() as session:
        strategy = await strategies.create(
            session, user_id=alice_id, name="s", kind="builtin", definition={"name": "x"}
        )
        await bots.create(
            session,
            user_id=alice_id,
            strategy_id=strategy.id,
            name="live bot",
            mode="live",
            account_id=used,
        )
    in_use = await api.client.delete(f"{URL}/{used}", headers=alice)
    assert in_use.status_code == 409
    assert "bot" in in_use.json()["error"]["message"]
    # Another user's key is "not found", never "forbidden", and stays.
    assert (await api.client.delete(f"{URL}/{free}", headers=bob)).status_code == 404
    assert {r.id for r in await _rows(api, alice_id)} == {used, free}
    assert (await api.client.delete(f"{URL}/{free}", headers=alice)).status_code == 204
    assert (await api.client.delete(f"{URL}/{free}", headers=alice)).status_code == 404
    assert {r.id for r in await _rows(api, alice_id)} == {used}
    assert await _rows(api, bob_id) == []
    for bad in ("0", "-1", "99999999999999999999999", "abc"):
        assert (await api.client.delete(f"{URL}/{bad}", headers=alice)).status_code in (404, 422)


BAD_BODIES = [
    '{"exchange": "binance", "label": "x", "api_key": "k2345678", "secret": "s2345678", "extra": 1}',
    '{"exchange": "kraken", "label": "x", "api_key": "k2345678", "secret": "s2345678"}',
    '{"exchange": NaN, "label": "x", "api_key": "k2345678", "secret": "s2345678"}',
    '{"exchange": "binance", "label": 1e309, "api_key": "k2345678", "secret": "s2345678"}',
    '{"exchange": "binance", "label": "x", "api_key": -1, "secret": "s2345678"}',
    '{"exchange": "binance", "label": "x", "api_key": "k2345678", "secret": Infinity}',
    '{"exchange": "binance", "label": "", "api_key": "k2345678", "secret": "s2345678"}',
    '{"exchange": "binance", "label": "x", "api_key": "short", "secret": "s2345678"}',
    '{"exchange": "binance", "label": "x", "api_key": "k2345678"}',
]


@pytest.mark.parametrize("raw", BAD_BODIES)
async def test_bad_bodies_store_nothing(api_sqlite: ApiHarness, raw: str) -> None:
    api = api_sqlite
    user_id, headers = await api.user()
    r = await api.client.post(
        URL, content=raw, headers={**headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert "k2345678" not in r.text
    assert "s2345678" not in r.text
    assert await _rows(api, user_id) == []


async def test_keys_need_a_caller(api_sqlite: ApiHarness) -> None:
    assert (await api_sqlite.client.get(URL)).status_code == 401
    assert (await api_sqlite.client.post(URL, json=_key())).status_code == 401
    assert (await api_sqlite.client.delete(f"{URL}/1")).status_code == 401


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_an_unreachable_or_disabled_venue_stores_nothing(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}"
    exchanges = _venues(dead, binance_url=dead)
    exchanges["venues"]["bybit"] = {"enabled": False}
    settings = api_settings(
        tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/d.db", exchanges=exchanges
    )
    async for api in serve(create_app(settings)):
        user_id, headers = await api.user()
        down = await api.client.post(URL, json=_key(), headers=headers)
        assert down.status_code == 503
        assert TRADE_KEY not in down.text
        disabled = await api.client.post(URL, json=_key("bybit"), headers=headers)
        assert disabled.status_code == 422
        assert await _rows(api, user_id) == []


async def test_keys_and_secrets_never_reach_the_logs(
    venue: SimulatorServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert venue.base_url is not None
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/l.db",
        exchanges=_venues(venue.base_url),
    )
    caplog.set_level(logging.DEBUG)
    async for api in serve(create_app(settings)):
        _, headers = await api.user()
        bodies = [
            _key(),
            _key(label="again"),  # stored
            _key(label="main"),  # duplicate label: 409
            _key(api_key=WD_KEY, secret=WD_SECRET, label="wd"),  # can withdraw: 422
            _key(secret="wrong-" + TRADE_SECRET, label="bad"),  # refused: 422
            _key("mexc", passphrase="phrase-" + TRADE_SECRET),
        ]
        for body in bodies:
            await api.client.post(URL, json=body, headers=headers)
        await api.client.get(URL, headers=headers)
    text = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records  # the server did log, at DEBUG
    for secret in (TRADE_KEY, TRADE_SECRET, WD_KEY, WD_SECRET):
        assert secret not in text
