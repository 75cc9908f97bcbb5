"""MEXC spot v3 signed routes: account, order (new, query, cancel), openOrders, myTrades."""

from __future__ import annotations

import time

from aiohttp import web

from simbiot.exchange.simulator.accounts import Account
from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.faults import FaultBook
from simbiot.exchange.simulator.formats import fmt
from simbiot.exchange.simulator.http import int_param, ok, query_params
from simbiot.exchange.simulator.matching import ExchangeState
from simbiot.exchange.simulator.signing import verify

__all__ = ["API_KEY_HEADER", "PrivateRoutes"]

API_KEY_HEADER = "X-MEXC-APIKEY"


class PrivateRoutes:
    """Handlers of MEXC's signed account and trading routes."""

    def __init__(self, state: ExchangeState, faults: FaultBook) -> None:
        self._state = state
        self._faults = faults

    def register(self, app: web.Application, prefix: str = "/api/v3") -> None:
        """Add the routes under ``prefix``."""
        app.router.add_get(prefix + "/account", self.account, name="account")
        order = app.router.add_resource(prefix + "/order", name="order")
        order.add_route("POST", self.new_order)
        order.add_route("GET", self.query_order)
        order.add_route("DELETE", self.cancel_order)
        open_orders = app.router.add_resource(prefix + "/openOrders", name="openOrders")
        open_orders.add_route("GET", self.open_orders)
        open_orders.add_route("DELETE", self.cancel_open_orders)
        app.router.add_get(prefix + "/allOrders", self.all_orders, name="allOrders")
        app.router.add_get(prefix + "/myTrades", self.my_trades, name="myTrades")
        app.router.add_get(prefix + "/capital/config/getall", self.currencies, name="capital")

    async def _authenticate(
        self, request: web.Request, route: str
    ) -> tuple[Account, dict[str, str]]:
        params = query_params(request)
        body = await request.text()
        if body and request.content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            params.update({k: str(v) for k, v in form.items()})
        key = request.headers.get(API_KEY_HEADER, "")
        account = self._state.accounts.get(key)
        if account is None:
            raise SimApiError(10072, "Api key info invalid")
        # Signatures are checked against the server's wall clock (clients sign with theirs);
        # a clock_skew fault shifts it.
        server_ms = time.time_ns() // 1_000_000 + self._faults.skew_ms(route, None)
        raw_query = request.rel_url.raw_query_string
        verify(
            secret=account.secret,
            raw_query=raw_query,
            body=body if "=" in body else "",
            params=params,
            server_ms=server_ms,
        )
        return account, params

    async def account(self, request: web.Request) -> web.Response:
        """Return the account's balances."""
        account, _ = await self._authenticate(request, "account")
        self._state.sweep()
        fee = self._state
        return ok(
            {
                "makerCommission": fmt(fee.maker_fee),
                "takerCommission": fmt(fee.taker_fee),
                "buyerCommission": 0,
                "sellerCommission": 0,
                "canTrade": True,
                "canWithdraw": True,
                "canDeposit": True,
                "updateTime": None,
                "accountType": "SPOT",
                "balances": [
                    {"asset": asset, "free": fmt(b.free), "locked": fmt(b.locked)}
                    for asset, b in sorted(account.nonzero().items())
                ],
                "permissions": ["SPOT"],
            }
        )

    async def new_order(self, request: web.Request) -> web.Response:
        """Place an order; the answer carries the full order state."""
        account, params = await self._authenticate(request, "order")
        order = self._state.place(account.api_key, params)
        body = order.to_json()
        body["transactTime"] = order.time_ms
        return ok(body)

    async def query_order(self, request: web.Request) -> web.Response:
        """Return one order by ``orderId`` or ``origClientOrderId``."""
        account, params = await self._authenticate(request, "order")
        return ok(self._state.find(account.api_key, params.get("symbol"), params).to_json())

    async def cancel_order(self, request: web.Request) -> web.Response:
        """Cancel one order by ``orderId`` or ``origClientOrderId``."""
        account, params = await self._authenticate(request, "order")
        order = self._state.cancel(account.api_key, params.get("symbol"), params)
        body = order.to_json()
        body["origClientOrderId"] = order.client_order_id
        return ok(body)

    async def open_orders(self, request: web.Request) -> web.Response:
        """Return the account's open orders (of ``symbol`` when given)."""
        account, params = await self._authenticate(request, "openOrders")
        orders = self._state.open_orders(account.api_key, params.get("symbol") or None)
        return ok([o.to_json() for o in orders])

    async def cancel_open_orders(self, request: web.Request) -> web.Response:
        """Cancel every open order of the account in ``symbol``."""
        account, params = await self._authenticate(request, "openOrders")
        orders = self._state.cancel_all(account.api_key, params.get("symbol"))
        return ok([o.to_json() for o in orders])

    async def all_orders(self, request: web.Request) -> web.Response:
        """Return the account's orders of ``symbol`` (open and closed), oldest first."""
        account, params = await self._authenticate(request, "allOrders")
        start = int_param(params, "startTime", 0) or 0
        end = int_param(params, "endTime")
        limit = min(max(int_param(params, "limit", 500) or 500, 1), 1000)
        orders = self._state.all_orders(account.api_key, params.get("symbol"), start, end)
        return ok([o.to_json() for o in orders[-limit:]])

    async def my_trades(self, request: web.Request) -> web.Response:
        """Return the account's fills of one market, oldest first."""
        account, params = await self._authenticate(request, "myTrades")
        self._state.sweep()
        market_id = params.get("symbol")
        self._state.markets.resolve(market_id)
        start = int_param(params, "startTime", 0) or 0
        end = int_param(params, "endTime")
        order_id = params.get("orderId")
        limit = min(max(int_param(params, "limit", 100) or 100, 1), 1000)
        fills = [
            t
            for t in self._state.trades.get(account.api_key, [])
            if t.market_id == market_id
            and t.time_ms >= start
            and (end is None or t.time_ms <= end)
            and (order_id is None or t.order_id == order_id)
        ]
        return ok([t.to_json() for t in fills[:limit]])

    async def currencies(self, request: web.Request) -> web.Response:
        """Return every coin with one simulated network (ccxt loads it with markets)."""
        await self._authenticate(request, "capital")
        u = self._state.markets.universe
        coins = [(u.quote, u.quote), *zip(u.bases, u.names, strict=True)]
        return ok(
            [
                {
                    "coin": coin,
                    "name": name,
                    "networkList": [
                        {
                            "coin": coin,
                            "network": "SIM",
                            "name": name,
                            "depositEnable": True,
                            "withdrawEnable": False,
                            "withdrawFee": "0",
                            "withdrawMin": "0",
                            "withdrawMax": "0",
                            "sameAddress": False,
                            "contract": "",
                        }
                    ],
                }
                for coin, name in coins
            ]
        )
