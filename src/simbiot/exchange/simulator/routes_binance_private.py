"""Binance's signed account routes (``/binance/sapi/v1/...``): the key-permission query.

ccxt's ``binance`` client asks ``GET /sapi/v1/account/apiRestrictions`` with the key in the
``X-MBX-APIKEY`` header and an HMAC-SHA256 ``signature`` of the query, as on Binance.
Failures answer Binance's codes, which ccxt maps to ``AuthenticationError`` (-2015, -1022)
and ``InvalidNonce`` (-1021).
"""

from __future__ import annotations

import time

from aiohttp import web

from simbiot.exchange.simulator.accounts import Account
from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.faults import FaultBook
from simbiot.exchange.simulator.http import ok, query_params
from simbiot.exchange.simulator.matching import ExchangeState
from simbiot.exchange.simulator.signing import verify

__all__ = ["BINANCE_API_KEY_HEADER", "BinanceAccountRoutes"]

BINANCE_API_KEY_HEADER = "X-MBX-APIKEY"

# MEXC signing codes (raised by ``verify``) and their Binance equivalents.
_BINANCE_CODES: dict[int, tuple[int, str]] = {
    700002: (-1022, "Signature for this request is not valid."),
    700003: (-1021, "Timestamp for this request is outside of the recvWindow."),
    700005: (-1131, "recvWindow must be less than 60000"),
}


def _binance_error(exc: SimApiError) -> SimApiError:
    code, msg = _BINANCE_CODES.get(exc.code, (-1022, "Signature for this request is not valid."))
    return SimApiError(code, msg, status=401 if code == -1022 else 400)


class BinanceAccountRoutes:
    """Handlers of Binance's signed account routes over the simulator's accounts."""

    def __init__(self, state: ExchangeState, faults: FaultBook) -> None:
        self._state = state
        self._faults = faults

    def register(self, app: web.Application, prefix: str = "/binance/sapi/v1") -> None:
        """Add the routes under ``prefix``; each is named ``binance_...``."""
        app.router.add_get(
            prefix + "/account/apiRestrictions",
            self.api_restrictions,
            name="binance_apiRestrictions",
        )

    def _authenticate(self, request: web.Request, route: str) -> Account:
        params = query_params(request)
        account = self._state.accounts.get(request.headers.get(BINANCE_API_KEY_HEADER, ""))
        if account is None:
            raise SimApiError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        server_ms = time.time_ns() // 1_000_000 + self._faults.skew_ms(route, None)
        try:
            verify(
                secret=account.secret,
                raw_query=request.rel_url.raw_query_string,
                body="",
                params=params,
                server_ms=server_ms,
            )
        except SimApiError as exc:
            raise _binance_error(exc) from None
        return account

    async def api_restrictions(self, request: web.Request) -> web.Response:
        """Return the calling key's permissions in Binance's format."""
        account = self._authenticate(request, "binance_apiRestrictions")
        return ok(
            {
                "ipRestrict": account.can_withdraw,  # Binance requires an IP list to withdraw
                "createTime": 1_700_000_000_000,
                "enableReading": True,
                "enableWithdrawals": account.can_withdraw,
                "enableInternalTransfer": False,
                "enableMargin": False,
                "enableFutures": False,
                "permitsUniversalTransfer": False,
                "enableVanillaOptions": False,
                "enableFixApiTrade": False,
                "enableFixReadOnly": False,
                "enableSpotAndMarginTrading": True,
                "enablePortfolioMarginTrading": False,
            }
        )
