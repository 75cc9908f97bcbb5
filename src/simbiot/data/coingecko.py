"""CoinGecko client on aiohttp with its own rate limit (D1, D3).

Errors are translated at this boundary: connection trouble → ``NetworkError``, HTTP 429
→ ``RateLimited`` (with ``Retry-After``), 5xx → ``ExchangeUnavailable``, other refusals →
``NonRetryableError``, a body that is not the JSON expected → ``MalformedPayload``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import orjson

from simbiot.config.sections import CoinGeckoSettings
from simbiot.data.coingecko_parse import CoinGeckoCoin, parse_categories, parse_coins
from simbiot.domain.clock import Clock
from simbiot.domain.errors import (
    ExchangeError,
    ExchangeUnavailable,
    MalformedPayload,
    NetworkError,
    NonRetryableError,
    RateLimited,
)

__all__ = ["CoinGeckoClient", "RequestSpacer"]

log = logging.getLogger(__name__)

SOURCE = "coingecko"
PER_PAGE = 250


class RequestSpacer:
    """Spread calls evenly: at most ``calls_per_minute``, never two closer than 60/cpm s."""

    def __init__(self, calls_per_minute: int, clock: Clock) -> None:
        self._interval_ms = 60_000 / calls_per_minute
        self._clock = clock
        self._next_ms: float | None = None
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Return when the next call may be sent."""
        async with self._lock:
            now = self._clock.now_ms()
            if self._next_ms is not None and now < self._next_ms:
                await self._clock.sleep((self._next_ms - now) / 1000)
                now = self._clock.now_ms()
            self._next_ms = max(now, self._next_ms or now) + self._interval_ms

    def defer(self, seconds: float) -> None:
        """Push the next call back (the server asked us to wait)."""
        self._next_ms = max(self._next_ms or 0, self._clock.now_ms() + seconds * 1000)


class CoinGeckoClient:
    """Read coin listings and categories from CoinGecko (or a compatible fake)."""

    def __init__(
        self,
        settings: CoinGeckoSettings,
        clock: Clock,
        *,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._settings = settings
        self._base = settings.base_url.rstrip("/")
        self._spacer = RequestSpacer(settings.calls_per_minute, clock)
        self._session = session
        self._owns_session = session is None
        self.requests = 0

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._settings.api_key is not None:
            pro = "pro-api." in self._base
            name = "x-cg-pro-api-key" if pro else "x-cg-demo-api-key"
            headers[name] = self._settings.api_key.get_secret_value()
        return headers

    async def _get(self, path: str, params: dict[str, str]) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._settings.timeout_s)
            )
        await self._spacer.wait()
        self.requests += 1
        url = f"{self._base}{path}"
        try:
            async with self._session.get(url, params=params, headers=self._headers()) as resp:
                body = await resp.read()
                status = resp.status
                retry_after = resp.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NetworkError(
                f"coingecko {path}: {exc or type(exc).__name__}", exchange=SOURCE
            ) from exc
        if status == 429:
            wait = float(retry_after) if retry_after and retry_after.isdigit() else 60.0
            self._spacer.defer(wait)
            raise RateLimited(f"coingecko {path}: rate limited", exchange=SOURCE, retry_after=wait)
        if status >= 500:
            raise ExchangeUnavailable(f"coingecko {path}: HTTP {status}", exchange=SOURCE)
        if status >= 400:
            raise NonRetryableError(f"coingecko {path}: HTTP {status}", exchange=SOURCE)
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise MalformedPayload(f"coingecko {path}: body is not JSON ({exc})") from exc

    async def coins_markets(self, pages: int | None = None) -> list[CoinGeckoCoin]:
        """Return coins by market cap, ``pages`` × 250 (stops early at a short page)."""
        coins: list[CoinGeckoCoin] = []
        rejected = 0
        for page in range(1, (pages or self._settings.pages) + 1):
            payload = await self._get(
                "/api/v3/coins/markets",
                {
                    "vs_currency": "usd",
                    "order": "market_cap_desc",
                    "per_page": str(PER_PAGE),
                    "page": str(page),
                },
            )
            got, bad = parse_coins(payload, source=f"coins/markets page {page}")
            coins.extend(got)
            rejected += bad
            if len(payload) < PER_PAGE:
                break
        if rejected:
            log.warning("coingecko: %d malformed coin items rejected", rejected)
        return coins

    async def coin_categories(self, coin_id: str) -> tuple[str, ...]:
        """Return the categories of one coin."""
        payload = await self._get(
            f"/api/v3/coins/{coin_id}",
            {
                "localization": "false",
                "tickers": "false",
                "market_data": "false",
                "community_data": "false",
                "developer_data": "false",
            },
        )
        return parse_categories(payload)

    async def ping(self) -> bool:
        """Whether CoinGecko answers."""
        try:
            payload = await self._get("/api/v3/ping", {})
        except (ExchangeError, MalformedPayload):
            return False
        return isinstance(payload, dict)

    async def close(self) -> None:
        """Close the HTTP session this client opened."""
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None
