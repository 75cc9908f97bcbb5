"""Realistic users of the platform API, for locust (kept in the repo, B3).

Each simulated user logs in once with one of the accounts the benchmark seeded
(``bench{i}@example.com``), then, between pauses of 2 to 6 s, mostly reads: who am I, the
market state and X-ray, their bots with orders and PnL, their jobs; now and then refreshes
the token pair, starts or stops their paper bot, and rarely submits a small backtest.

Run by ``python -m bench api`` (``bench/bench_api.py``), or by hand against a server whose
users were seeded the same way::

    SIMBIOT_BENCH_USERS=100 locust -f bench/locustfile.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

import itertools
import os
import random
from typing import Any

from locust import FastHttpUser, between, task

PASSWORD = os.environ.get("SIMBIOT_BENCH_PASSWORD", "bench password 1")
SEEDED = int(os.environ.get("SIMBIOT_BENCH_USERS", "1000"))
STRATEGY = "trend_ema_adx"
API = "/api/v1"
# Hands each simulated user its own seeded account (locust runs users as greenlets of one
# process, so a shared counter is enough).
_ACCOUNTS = itertools.count()


class PlatformUser(FastHttpUser):
    """One customer using the dashboard."""

    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.index = next(_ACCOUNTS) % SEEDED
        self.access = ""
        self.refresh_token = ""
        self.bot_id: int | None = None
        self.login()
        self.ensure_bot()

    # ------------------------------------------------------------------ helpers
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}

    def get(self, path: str, name: str | None = None) -> Any:
        """GET as the user; a 401 (session lost: a failed login or refresh) logs in again,
        as the dashboard would."""
        r = self.client.get(path, headers=self.auth(), name=name or path)
        if r.status_code == 401:
            self.login()
        return r

    def _tokens(self, doc: dict[str, Any]) -> None:
        self.access = doc["access_token"]
        self.refresh_token = doc["refresh_token"]

    def login(self) -> None:
        body = {"email": f"bench{self.index}@example.com", "password": PASSWORD}
        with self.client.post(f"{API}/auth/login", json=body, catch_response=True) as r:
            if r.status_code == 200:
                self._tokens(r.json())
            else:
                r.failure(f"login {r.status_code}")

    def ensure_bot(self) -> None:
        r = self.get(f"{API}/bots")
        if r.status_code == 200 and r.json()["items"]:
            self.bot_id = int(r.json()["items"][0]["id"])
            return
        body = {"name": f"paper-{self.index}", "strategy": STRATEGY, "mode": "paper"}
        created = self.client.post(f"{API}/bots", json=body, headers=self.auth())
        if created.status_code == 201:
            self.bot_id = int(created.json()["id"])
            self.client.post(
                f"{API}/bots/{self.bot_id}/start",
                headers=self.auth(),
                name=f"{API}/bots/[id]/start",
            )

    # ------------------------------------------------------------------ behaviour
    @task(8)
    def me(self) -> None:
        self.get(f"{API}/me")

    @task(4)
    def market_state(self) -> None:
        self.get(f"{API}/market/state")

    @task(4)
    def xray(self) -> None:
        self.get(f"{API}/xray")

    @task(4)
    def bots(self) -> None:
        self.get(f"{API}/bots")

    @task(3)
    def orders(self) -> None:
        if self.bot_id is not None:
            self.get(f"{API}/bots/{self.bot_id}/orders", f"{API}/bots/[id]/orders")

    @task(3)
    def pnl(self) -> None:
        if self.bot_id is not None:
            self.get(f"{API}/bots/{self.bot_id}/pnl", f"{API}/bots/[id]/pnl")

    @task(2)
    def jobs(self) -> None:
        self.get(f"{API}/jobs")

    @task(1)
    def refresh(self) -> None:
        body = {"refresh_token": self.refresh_token}
        with self.client.post(f"{API}/auth/refresh", json=body, catch_response=True) as r:
            if r.status_code == 200:
                self._tokens(r.json())
            else:
                r.failure(f"refresh {r.status_code}")
                self.login()

    @task(1)
    def toggle_bot(self) -> None:
        if self.bot_id is None:
            self.ensure_bot()
            return
        action = random.choice(("stop", "start"))
        self.client.post(
            f"{API}/bots/{self.bot_id}/{action}",
            headers=self.auth(),
            name=f"{API}/bots/[id]/{action}",
        )

    @task(1)
    def backtest(self) -> None:
        if random.random() > 0.05:  # one in twenty of these turns
            return
        body = {"strategy": STRATEGY, "symbols": ["BTC/USDT", "ETH/USDT"], "timeframe": "1h"}
        self.client.post(f"{API}/backtests", json=body, headers=self.auth())
