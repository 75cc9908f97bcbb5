from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.config.sections import CoinGeckoSettings
from simbiot.data.coingecko import CoinGeckoClient
from simbiot.data.coingecko_parse import parse_categories, parse_coins
from simbiot.domain.clock import SimulatedClock
from simbiot.domain.errors import (
    ExchangeUnavailable,
    MalformedPayload,
    NetworkError,
    NonRetryableError,
    RateLimited,
)


def coin(i: int, symbol: str = "", name: str = "", cap: float = 0.0) -> dict[str, Any]:
    return {
        "id": f"coin-{i}",
        "symbol": symbol or f"c{i}",
        "name": name or f"Coin {i}",
        "market_cap": cap or 1e9 / (i + 1),
        "market_cap_rank": i + 1,
    }


def test_malformed_items_rejected_one_by_one(caplog: pytest.LogCaptureFixture) -> None:
    payload = [
        coin(0),
        "AIMMTUSDT",  # the item that crashed the old bot
        {"id": "x", "symbol": 5, "name": "X"},
        {"id": "y", "symbol": "y"},
        coin(1) | {"market_cap": "lots", "market_cap_rank": True},
        coin(2) | {"categories": ["AI", 3, ""]},
    ]
    with caplog.at_level(logging.WARNING, logger="simbiot.data.coingecko_parse"):
        coins, rejected = parse_coins(payload)
    assert [c.id for c in coins] == ["coin-0", "coin-1", "coin-2"]
    assert rejected == 3
    assert coins[1].market_cap is None
    assert coins[1].rank is None
    assert coins[2].categories == ("AI",)
    lines = [r.getMessage() for r in caplog.records]
    assert any("item 1 rejected: expected an object, got str 'AIMMTUSDT'" in m for m in lines)
    assert any("item 2 rejected: field 'symbol' is int" in m for m in lines)


def test_whole_payload_of_wrong_shape() -> None:
    with pytest.raises(MalformedPayload, match="expected a list, got dict"):
        parse_coins({"error": "x"})
    with pytest.raises(MalformedPayload):
        parse_categories(["x"])
    with pytest.raises(MalformedPayload, match="categories is str"):
        parse_categories({"categories": "AI"})
    assert parse_categories({"categories": ["AI", None]}) == ("AI",)
    assert parse_categories({}) == ()


class Fake:
    """A CoinGecko-shaped HTTP server with scripted answers."""

    def __init__(self) -> None:
        self.coins = [coin(i) for i in range(300)]
        self.status: list[int] = []
        self.raw: bytes | None = None
        self.headers: list[dict[str, str]] = []
        app = web.Application()
        app.router.add_get("/api/v3/coins/markets", self.markets)
        app.router.add_get("/api/v3/coins/{id}", self.one)
        app.router.add_get("/api/v3/ping", self.ping)
        self.runner = web.AppRunner(app)

    def _scripted(self) -> web.Response | None:
        if self.status:
            code = self.status.pop(0)
            return web.Response(status=code, headers={"Retry-After": "7"})
        if self.raw is not None:
            return web.Response(body=self.raw, content_type="application/json")
        return None

    async def markets(self, request: web.Request) -> web.Response:
        self.headers.append(dict(request.headers))
        scripted = self._scripted()
        if scripted is not None:
            return scripted
        page, per = int(request.query["page"]), int(request.query["per_page"])
        return web.json_response(self.coins[(page - 1) * per : page * per])

    async def one(self, request: web.Request) -> web.Response:
        return self._scripted() or web.json_response(
            {"id": request.match_info["id"], "categories": ["Artificial Intelligence (AI)"]}
        )

    async def ping(self, request: web.Request) -> web.Response:
        return self._scripted() or web.json_response({"gecko_says": "(V3) To the Moon!"})


@pytest.fixture
async def fake() -> AsyncIterator[tuple[Fake, str]]:
    server = Fake()
    await server.runner.setup()
    site = web.TCPSite(server.runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield server, f"http://127.0.0.1:{port}"
    await server.runner.cleanup()


async def test_pages_until_short_page_and_rate_spacing(fake: tuple[Fake, str]) -> None:
    server, url = fake
    clock = SimulatedClock(0)
    settings = CoinGeckoSettings(base_url=url, calls_per_minute=30, api_key="k", pages=5)
    client = CoinGeckoClient(settings, clock)
    try:
        coins = await client.coins_markets()
        assert len(coins) == 300
        assert client.requests == 2  # 250 + 50 (short page: stop)
        assert clock.now_ms() == 2_000  # two calls at 30/min are 2 s apart
        assert server.headers[0]["x-cg-demo-api-key"] == "k"
        assert await client.coin_categories("coin-1") == ("Artificial Intelligence (AI)",)
        assert clock.now_ms() == 4_000
        assert await client.ping()
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, RateLimited), (503, ExchangeUnavailable), (404, NonRetryableError)],
)
async def test_http_errors_translated(
    fake: tuple[Fake, str], status: int, error: type[Exception]
) -> None:
    server, url = fake
    server.status = [status]
    clock = SimulatedClock(0)
    client = CoinGeckoClient(CoinGeckoSettings(base_url=url, calls_per_minute=600), clock)
    try:
        with pytest.raises(error) as info:
            await client.coins_markets(pages=1)
        if status == 429:
            assert info.value.retry_after == 7.0  # type: ignore[attr-defined]
            await client.coins_markets(pages=1)
            assert clock.now_ms() >= 7_000  # the next call waited as told
    finally:
        await client.close()


async def test_non_json_body_and_unreachable_host(fake: tuple[Fake, str]) -> None:
    server, url = fake
    server.raw = b"<html>maintenance</html>"
    client = CoinGeckoClient(CoinGeckoSettings(base_url=url), SimulatedClock(0))
    try:
        with pytest.raises(MalformedPayload, match="not JSON"):
            await client.coins_markets(pages=1)
        assert not await client.ping()
    finally:
        await client.close()
    dead = CoinGeckoClient(
        CoinGeckoSettings(base_url="http://127.0.0.1:9", timeout_s=2), SimulatedClock(0)
    )
    try:
        with pytest.raises(NetworkError):
            await dead.coins_markets(pages=1)
    finally:
        await dead.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
coin_like = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values | st.text(max_size=10),
        "symbol": json_values | st.text(max_size=10),
        "name": json_values | st.text(max_size=10),
        "market_cap": json_values,
        "market_cap_rank": json_values,
        "categories": json_values,
    },
)


@settings(max_examples=200, deadline=None)
@given(st.lists(coin_like | json_values, max_size=8))
def test_property_parse_never_crashes(payload: list[Any]) -> None:
    coins, rejected = parse_coins(payload)
    assert len(coins) + rejected == len(payload)
    for c in coins:
        assert c.id
        assert c.symbol == c.symbol.lower()
        assert c.market_cap is None or c.market_cap >= 0
        assert c.rank is None or c.rank > 0
