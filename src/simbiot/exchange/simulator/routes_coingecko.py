"""A small CoinGecko (``/coingecko/api/v3/``): coin list and markets with cap and rank."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from aiohttp import web

from simbiot.exchange.simulator.http import int_param, ok, query_params
from simbiot.exchange.simulator.market import Markets

__all__ = ["CoinGeckoRoutes"]


class CoinGeckoRoutes:
    """Every listed base asset as a CoinGecko coin; ids follow the coin's name."""

    def __init__(self, markets: Markets) -> None:
        self._m = markets

    def register(self, app: web.Application, prefix: str = "/coingecko/api/v3") -> None:
        """Add the routes under ``prefix``."""
        app.router.add_get(prefix + "/ping", self.ping, name="coingecko_ping")
        app.router.add_get(prefix + "/coins/list", self.coins_list, name="coins_list")
        app.router.add_get(prefix + "/coins/markets", self.coins_markets, name="coins_markets")

    async def ping(self, request: web.Request) -> web.Response:
        """Answer CoinGecko's ping."""
        return ok({"gecko_says": "(V3) To the Moon!"})

    async def coins_list(self, request: web.Request) -> web.Response:
        """Return id, symbol and name of every listed coin."""
        u = self._m.universe
        return ok(
            [
                {"id": u.coingecko_ids[i], "symbol": u.bases[i].lower(), "name": u.names[i]}
                for i in self._m.listed()
            ]
        )

    async def coins_markets(self, request: web.Request) -> web.Response:
        """Return coins by market cap (descending), paged, with price, cap, rank and volume."""
        params = query_params(request)
        u = self._m.universe
        listed = np.array(self._m.listed(), dtype=np.int64)
        stats = self._m.stats()
        price = stats[3, listed]
        cap = price * u.supply[listed]
        order = listed[np.argsort(-cap, kind="stable")]
        rank = {int(i): r + 1 for r, i in enumerate(order)}
        ids = params.get("ids")
        if ids:
            wanted = set(ids.split(","))
            order = np.array([i for i in order if u.coingecko_ids[i] in wanted], dtype=np.int64)
        per_page = min(max(int_param(params, "per_page", 100) or 100, 1), 250)
        page = max(int_param(params, "page", 1) or 1, 1)
        chosen = order[(page - 1) * per_page : page * per_page]
        now = datetime.fromtimestamp(self._m.clock.now_ms() / 1000, tz=UTC).isoformat()
        out: list[dict[str, Any]] = []
        for i in chosen:
            last, first = float(stats[3, i]), float(stats[0, i])
            out.append(
                {
                    "id": u.coingecko_ids[i],
                    "symbol": u.bases[i].lower(),
                    "name": u.names[i],
                    "current_price": last,
                    "market_cap": round(last * float(u.supply[i])),
                    "market_cap_rank": rank[int(i)],
                    "total_volume": round(float(stats[5, i])),
                    "high_24h": float(stats[1, i]),
                    "low_24h": float(stats[2, i]),
                    "price_change_percentage_24h": (last / first - 1) * 100 if first else 0.0,
                    "circulating_supply": float(u.supply[i]),
                    "last_updated": now,
                }
            )
        return ok(out)
