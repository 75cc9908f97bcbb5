"""A paper bot started over HTTP is traded by the running stack against the embedded
simulator at its next cycle; its orders, positions, equity and PnL come back over HTTP;
once stopped it places nothing more."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from api_harness import ApiHarness, api_settings, serve

from simbiot.api.app import create_app
from simbiot.config import Settings
from simbiot.services.session import open_container
from simbiot.services.trading import TradingStack
from simbiot.services.xray_cycle import run_xray_cycle

BOTS = "/api/v1/bots"
# Buys any dip under a tight band with RSI under 50: some of 30 symbols always qualify.
EAGER: dict[str, Any] = {
    "name": "eager",
    "strategy": "mean_reversion",
    "params": {"rsi_entry": 50.0, "rsi_exit": 90.0, "bb_k": 0.5},
    "capital": 5000,
}


async def _all(api: ApiHarness, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = await api.client.get(url, headers=headers, params={"limit": 200})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


@pytest.fixture(params=["sqlite", "postgres"])
def trading_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The embedded simulator with SQLite + memory, then PostgreSQL + Redis."""
    # Real-time venue clock: access tokens age on it (15 min must not pass in seconds).
    extra: dict[str, Any] = {"simulator": {"symbols": 30, "speed": 1}, "run": {"users": []}}
    if request.param == "sqlite":
        db = f"sqlite+aiosqlite:///{tmp_path}/api.db"
        return api_settings(tmp_path, database_url=db, **extra)
    pg: str = request.getfixturevalue("postgres_url")
    redis: str = request.getfixturevalue("redis_url")
    return api_settings(tmp_path, database_url=pg, redis_url=redis, **extra)


async def test_started_bot_trades_at_the_next_cycle_and_stops(trading_settings: Settings) -> None:
    settings = trading_settings
    async with open_container(settings) as c:
        async for api in serve(create_app(c.settings, container=c)):
            stack = TradingStack(c)
            _, h = await api.user()
            _, idle_h = await api.user()
            bot = (await api.client.post(BOTS, json=EAGER, headers=h)).json()
            idle = (await api.client.post(BOTS, json=EAGER, headers=idle_h)).json()
            url = f"{BOTS}/{bot['id']}"

            # Created but not started: not traded.
            await stack.cycle((await run_xray_cycle(c)).result)
            assert stack.accounts == []
            assert await _all(api, f"{url}/orders", h) == []

            assert (await api.client.post(f"{url}/start", headers=h)).status_code == 200
            first = await stack.cycle((await run_xray_cycle(c)).result)
            assert [a.bot_id for a in stack.accounts] == [bot["id"]]
            assert first.orders_sent > 0
            await stack.cycle((await run_xray_cycle(c)).result)

            orders = await _all(api, f"{url}/orders", h)
            assert orders
            assert all(o["side"] in ("buy", "sell") for o in orders)
            fills = await _all(api, f"{url}/fills", h)
            assert fills
            positions = await _all(api, f"{url}/positions", h)
            assert positions
            # The default plan allows 3 symbols: never more positions open at once.
            assert sum(p["status"] == "open" for p in positions) <= 3
            marks = await _all(api, f"{url}/equity", h)
            assert len(marks) == 2
            for m in marks:
                assert Decimal(m["equity"]) == Decimal(m["cash"]) + Decimal(m["positions_value"])
            detail = (await api.client.get(url, headers=h)).json()
            assert Decimal(detail["equity"]) == Decimal(marks[-1]["equity"])
            assert Decimal(detail["pnl"]) == Decimal(detail["equity"]) - Decimal(5000)
            assert detail["open_positions"] == sum(p["status"] == "open" for p in positions)
            pnl = (await api.client.get(f"{url}/pnl", headers=h)).json()
            assert Decimal(pnl["fees"]) == sum(Decimal(f["fee"]) for f in fills)
            assert Decimal(pnl["fees"]) > 0
            assert pnl["metrics"] is not None
            assert pnl["metrics"]["bars"] == 2
            assert pnl["metrics"]["trades"] == pnl["trades"]

            # Stopped: dropped at the next cycle, nothing bought, no new mark; positions it
            # still holds keep their exits watched.
            held = sum(p["status"] == "open" for p in await _all(api, f"{url}/positions", h))
            assert (await api.client.post(f"{url}/stop", headers=h)).status_code == 200
            await stack.cycle((await run_xray_cycle(c)).result)
            assert stack.accounts == []
            assert [a.bot_id for a in stack.winding] == ([bot["id"]] if held else [])
            after = await _all(api, f"{url}/orders", h)
            buys = [o["id"] for o in orders if o["side"] == "buy"]
            assert [o["id"] for o in after if o["side"] == "buy"] == buys
            assert len(await _all(api, f"{url}/equity", h)) == 2
            # A stopped bot still holding positions cannot be deleted.
            deleted = await api.client.delete(url, headers=h)
            assert deleted.status_code == (409 if held else 204)
            # The other user's bot never ran.
            assert await _all(api, f"{BOTS}/{idle['id']}/orders", idle_h) == []
