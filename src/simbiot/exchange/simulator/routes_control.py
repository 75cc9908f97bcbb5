"""The simulator's own control routes under ``/sim``: accounts, clock, faults, records."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from simbiot.exchange.simulator.faults import parse_faults
from simbiot.exchange.simulator.http import ok

if TYPE_CHECKING:
    from simbiot.exchange.simulator.server import SimulatorServer

__all__ = ["ControlRoutes"]


def _bad(message: str) -> web.Response:
    return web.Response(
        body=orjson.dumps({"error": message}), status=400, content_type="application/json"
    )


class ControlRoutes:
    """Drive a running simulator over HTTP (another process, the CLI, load tests)."""

    def __init__(self, server: SimulatorServer) -> None:
        self._server = server

    def register(self, app: web.Application) -> None:
        """Add the ``/sim`` routes (never recorded, limited or faulted)."""
        app.router.add_post("/sim/accounts", self.add_account, name="sim_accounts")
        app.router.add_post("/sim/advance", self.advance, name="sim_advance")
        app.router.add_post("/sim/faults", self.add_faults, name="sim_faults")
        app.router.add_delete("/sim/faults", self.clear_faults, name="sim_faults_clear")
        app.router.add_get("/sim/status", self.status, name="sim_status")

    async def _json(self, request: web.Request) -> dict[str, Any] | None:
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None

    async def add_account(self, request: web.Request) -> web.Response:
        """Create an account: ``{"api_key", "secret", "balances": {"USDT": "10000"}}``, and
        optionally ``"can_withdraw": true`` for a key the venue reports as able to withdraw."""
        body = await self._json(request)
        if body is None or not body.get("api_key") or not body.get("secret"):
            return _bad("expected a JSON object with api_key, secret and balances")
        can_withdraw = body.get("can_withdraw", False)
        if not isinstance(can_withdraw, bool):
            return _bad("can_withdraw must be true or false")
        try:
            balances = {str(k): Decimal(str(v)) for k, v in (body.get("balances") or {}).items()}
        except InvalidOperation:
            return _bad("balances must map assets to decimal amounts")
        self._server.add_account(
            str(body["api_key"]), str(body["secret"]), balances, can_withdraw=can_withdraw
        )
        return ok({"api_key": body["api_key"]})

    async def advance(self, request: web.Request) -> web.Response:
        """Move simulated time forward: ``{"ms": 60000}``."""
        body = await self._json(request)
        ms = body.get("ms") if body else None
        if not isinstance(ms, int) or ms < 0:
            return _bad('expected {"ms": <non-negative integer>}')
        return ok({"now_ms": self._server.advance(ms)})

    async def add_faults(self, request: web.Request) -> web.Response:
        """Add fault rules in the compact grammar: ``{"spec": "klines:http_429:0.1"}``."""
        body = await self._json(request)
        try:
            rules = parse_faults(str(body.get("spec", ""))) if body else []
        except ValueError as exc:
            return _bad(str(exc))
        for rule in rules:
            self._server.faults.add(rule)
        return ok({"added": len(rules)})

    async def clear_faults(self, request: web.Request) -> web.Response:
        """Remove every fault rule."""
        self._server.faults.clear()
        return ok({"cleared": True})

    async def status(self, request: web.Request) -> web.Response:
        """Return the clock, market count, request count and peak concurrency."""
        s = self._server
        return ok(
            {
                "now_ms": s.now_ms(),
                "markets": len(s.markets.listed()),
                "requests": len(s.records),
                "max_in_flight": s.max_in_flight,
            }
        )
