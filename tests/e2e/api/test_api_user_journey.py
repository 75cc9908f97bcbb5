"""One user's whole journey over HTTP against a running server and the trading stack:
register → log in → add a key → choose and tune a strategy → subscribe and pay → start a
paper bot → see its orders and PnL → the subscription expires → the bot is stopped and no
longer trades. Run on SQLite + memory and on PostgreSQL + Redis."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from api_harness import api_settings, serve

from simbiot.api.app import create_app
from simbiot.billing.providers import build_provider
from simbiot.billing.sweeper import sweep
from simbiot.config import Settings
from simbiot.services.session import open_container
from simbiot.services.trading import TradingStack
from simbiot.services.xray_cycle import run_xray_cycle

V1 = "/api/v1"
PASSWORD = "Journey-pass-2026"
STRATEGY = "mean_reversion"
# Buys any dip under a tight band with RSI under 50: some of 30 symbols always qualify.
PARAMS: dict[str, Any] = {"rsi_entry": 50.0, "rsi_exit": 90.0, "bb_k": 0.5}
# The free plan runs no bot; "pro" runs two.
PLANS: dict[str, Any] = {
    "free": {"price": "0", "entitlements": {"max_bots": 0}},
    "pro": {
        "price": "29",
        "period_days": 30,
        "entitlements": {"max_bots": 2, "max_symbols": 5, "ml_features": True},
    },
}


@pytest.fixture(params=["sqlite", "postgres"])
def journey_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    extra: dict[str, Any] = {
        "simulator": {"symbols": 30, "speed": 1},
        "run": {"users": []},
        "billing": {"plans": PLANS, "grace_days": 2},
    }
    if request.param == "sqlite":
        db = f"sqlite+aiosqlite:///{tmp_path}/journey.db"
        return api_settings(tmp_path, database_url=db, **extra)
    pg: str = request.getfixturevalue("postgres_url")
    redis: str = request.getfixturevalue("redis_url")
    return api_settings(tmp_path, database_url=pg, redis_url=redis, **extra)


async def test_a_users_journey(journey_settings: Settings) -> None:
    async with open_container(journey_settings) as c:
        async for api in serve(create_app(c.settings, container=c)):
            http = api.client
            stack = TradingStack(c)

            # Register and log in; the refresh token rotates.
            email = "journey@example.com"
            creds = {"email": email, "password": PASSWORD}
            assert (await http.post(f"{V1}/auth/register", json=creds)).status_code == 201
            tokens = (await http.post(f"{V1}/auth/login", json=creds)).json()
            rotated = await http.post(
                f"{V1}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            assert rotated.status_code == 200
            h = {"Authorization": f"Bearer {rotated.json()['access_token']}"}
            me = (await http.get(f"{V1}/me", headers=h)).json()
            assert me["email"] == email

            # An exchange key: stored, answered masked, never echoed.
            key = await http.post(
                f"{V1}/keys",
                json={
                    "exchange": "mexc",
                    "label": "main",
                    "api_key": "mx0journeyKEY1234",
                    "secret": "journey-secret-5678",
                },
                headers=h,
            )
            assert key.status_code == 201, key.text
            listed = (await http.get(f"{V1}/keys", headers=h)).json()["items"]
            assert [k["label"] for k in listed] == ["main"]
            assert "journey-secret-5678" not in str(listed)
            assert "mx0journeyKEY1234" not in str(listed)

            # Choose and tune a strategy in the settings (optimistic concurrency by ETag).
            catalogue = (await http.get(f"{V1}/strategies", headers=h)).json()
            names = [s["name"] for s in catalogue["items"]]
            assert STRATEGY in names
            current = await http.get(f"{V1}/settings", headers=h)
            tuned = await http.put(
                f"{V1}/settings",
                json={"strategy": {"name": STRATEGY, "params": PARAMS}},
                headers={**h, "If-Match": current.headers["ETag"]},
            )
            assert tuned.status_code == 200, tuned.text

            # The free plan runs no bot.
            bot_body = {"name": "dip buyer", "strategy": STRATEGY, "params": PARAMS}
            refused = await http.post(f"{V1}/bots", json=bot_body, headers=h)
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == "plan_limit"

            # Subscribe to pro and pay in the sandbox: the signed webhook activates it.
            checkout = await http.post(
                f"{V1}/billing/subscription", json={"plan": "pro"}, headers=h
            )
            assert checkout.status_code in (200, 201), checkout.text
            ref = checkout.json()["payment"]["provider_ref"]
            paid = await http.post(f"{V1}/billing/sandbox/checkouts/{ref}/pay", headers=h)
            assert paid.status_code == 200, paid.text
            plan = (await http.get(f"{V1}/billing/subscription", headers=h)).json()
            assert plan["plan"] == "pro"
            period_end = datetime.fromisoformat(plan["subscription"]["period_end"])

            # A paper bot, started: it trades at the next cycles.
            created = await http.post(f"{V1}/bots", json=bot_body, headers=h)
            assert created.status_code == 201, created.text
            bot = f"{V1}/bots/{created.json()['id']}"
            assert (await http.post(f"{bot}/start", headers=h)).status_code == 200
            for _ in range(2):
                await stack.cycle((await run_xray_cycle(c)).result)
            orders = (await http.get(f"{bot}/orders", headers=h)).json()["items"]
            assert orders
            pnl = (await http.get(f"{bot}/pnl", headers=h)).json()
            assert Decimal(pnl["fees"]) > 0
            assert (await http.get(bot, headers=h)).json()["status"] == "running"

            # The period ends unpaid, grace runs out: the subscription expires and the bot
            # the free plan does not allow is stopped.
            provider = build_provider(c.settings)
            after_grace = period_end + timedelta(days=3)
            await sweep(c.database, settings=c.settings.billing, provider=provider, now=period_end)
            await sweep(c.database, settings=c.settings.billing, provider=provider, now=after_grace)
            assert (await http.get(bot, headers=h)).json()["status"] == "stopped"
            sub = (await http.get(f"{V1}/billing/subscription", headers=h)).json()
            assert sub["plan"] == "free"

            # The next cycle does not trade it: no new buy.
            buys = {o["id"] for o in orders if o["side"] == "buy"}
            await stack.cycle((await run_xray_cycle(c)).result)
            assert all(a.bot_id != created.json()["id"] for a in stack.accounts)
            later = (await http.get(f"{bot}/orders", headers=h)).json()["items"]
            assert {o["id"] for o in later if o["side"] == "buy"} == buys
