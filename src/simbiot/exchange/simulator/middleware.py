"""The request pipeline around every handler: records, rate limit, faults, error answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.faults import FaultBook
from simbiot.exchange.simulator.http import PAYLOAD, error_response, ok
from simbiot.exchange.simulator.market import Markets
from simbiot.exchange.simulator.ratelimit import IpWeightLimiter
from simbiot.exchange.simulator.records import RequestRecord, weight_of
from simbiot.exchange.simulator.wrong_type import corrupt

__all__ = ["Pipeline"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_BEFORE = frozenset({"maintenance", "http_5xx", "http_429", "http_418", "timeout", "latency"})
_AFTER = frozenset({"lost_response", "malformed_json", "wrong_type"})


class Pipeline:
    """Counts, records, limits and breaks requests as configured."""

    def __init__(
        self,
        markets: Markets,
        faults: FaultBook,
        limiter: IpWeightLimiter | None,
        record_limit: int = 200_000,
    ) -> None:
        self._m = markets
        self._faults = faults
        self._limiter = limiter
        self.records: list[RequestRecord] = []
        self._record_limit = record_limit
        self.in_flight = 0
        self.max_in_flight = 0

    def _symbol(self, request: web.Request) -> str | None:
        market_id = request.query.get("symbol")
        if not market_id:
            return None
        i = self._m.universe.by_id.get(market_id)
        return self._m.universe.symbol(i) if i is not None else market_id

    @web.middleware
    async def __call__(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Run one request through the pipeline."""
        route = request.match_info.route.name or "unknown"
        if route.startswith("sim_"):
            return await handler(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        symbol = self._symbol(request)
        weight = weight_of(route.split("_")[0], symbol is not None)
        record = RequestRecord(
            ts_ms=self._m.clock.now_ms(),
            method=request.method,
            path=request.path,
            route=route,
            weight=weight,
            api_key=request.headers.get("X-MEXC-APIKEY"),
            in_flight=self.in_flight,
            symbol=symbol,
        )
        if len(self.records) >= self._record_limit:
            del self.records[: self._record_limit // 2]
        self.records.append(record)
        try:
            response = await self._respond(request, handler, route, symbol, weight)
            record.status = response.status
            return response
        except ConnectionResetError:
            record.status = 0
            raise
        finally:
            self.in_flight -= 1

    async def _respond(
        self, request: web.Request, handler: Handler, route: str, symbol: str | None, weight: int
    ) -> web.StreamResponse:
        if self._limiter is not None:
            remote = request.remote or "unknown"
            verdict = self._limiter.admit(remote, weight)
            if verdict.status:
                return _limit_answer(verdict.status, verdict.retry_after_s)
        early = self._faults.draw(route, symbol, _BEFORE)
        if early is not None:
            answer = await _before(early.kind, early.delay_s, early.retry_after_s)
            if answer is not None:
                return answer
        try:
            response = await handler(request)
        except SimApiError as exc:
            return error_response(exc)
        late = self._faults.draw(route, symbol, _AFTER)
        if late is None:
            return response
        return _after(late.kind, request, response)


def _limit_answer(status: int, retry_after_s: float) -> web.Response:
    headers = {"Retry-After": str(max(1, round(retry_after_s)))}
    if status == 429:
        return error_response(SimApiError(429, "Too Many Requests", 429), headers)
    # A 418 body without "code" so clients classify it by status (an IP ban).
    return web.Response(
        body=orjson.dumps({"msg": "IP banned for repeated rate-limit violations"}),
        status=418,
        content_type="application/json",
        headers=headers,
    )


async def _before(kind: str, delay_s: float, retry_after_s: float) -> web.StreamResponse | None:
    if kind == "maintenance":
        return web.Response(
            body=orjson.dumps({"code": 500, "msg": "Under maintenance, please try again later"}),
            status=503,
            content_type="application/json",
        )
    if kind == "http_5xx":
        return web.Response(text="Internal Server Error", status=500)
    if kind in ("http_429", "http_418"):
        return _limit_answer(int(kind[-3:]), retry_after_s)
    await asyncio.sleep(delay_s)
    if kind == "timeout":
        return error_response(SimApiError(504, "Gateway Time-out", 504))
    return None


def _after(kind: str, request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    if kind == "lost_response":
        # The work is done (an order is placed) but the client never hears of it.
        if request.transport is not None:
            request.transport.close()
        raise ConnectionResetError("response dropped by a lost_response fault")
    payload: Any = response.get(PAYLOAD) if isinstance(response, web.Response) else None
    if kind == "malformed_json":
        text = orjson.dumps(payload).decode() if payload is not None else '{"a":1}'
        return web.Response(
            text=text[: max(1, len(text) // 2)], status=200, content_type="application/json"
        )
    return ok(corrupt(payload), status=response.status)
