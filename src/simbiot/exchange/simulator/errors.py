"""MEXC's error answers, as the simulator sends them.

Codes and messages are MEXC's own, chosen so that ccxt's ``mexc`` client raises the
matching exception class:

=========================  =====  ==========================================  ======================
case                       code   message                                     ccxt raises
=========================  =====  ==========================================  ======================
unknown/delisted symbol    -1121  Invalid symbol.                             BadSymbol
symbol not API-tradable    10007  symbol not support api                      BadSymbol
bad signature              700002 Signature for this request is not valid.    AuthenticationError
unknown API key            10072  Api key info invalid                        BadRequest
timestamp out of window    700003 Timestamp for this request is outside ...   InvalidNonce
recvWindow too large       700005 recvWindow must less than 60000             InvalidNonce
missing order reference    700004 Param 'origClientOrderId' or 'orderId' ...  BadRequest
insufficient balance       30004  Insufficient position                       InsufficientFunds
below minimum / notional   30002  The minimum transaction volume cannot ...   InvalidOrder
quantity decimals          10096  amount decimal places is too long           InvalidOrder
price decimals / range     30087  Order price exceeds allowed range           InvalidOrder
order not found            -2013  Order does not exist.                       ExchangeError (*)
duplicate client order id  -2010  Duplicate order sent.                       ExchangeError
bad parameter              400    <parameter> ...                             BadRequest
rate limit                 429    Too Many Requests (HTTP 429 + Retry-After)  RateLimitExceeded
maintenance                500    Under maintenance ... (HTTP 503)            OnMaintenance
=========================  =====  ==========================================  ======================

(*) ccxt's ``mexc`` table has no entry for -2013, so it raises a plain ``ExchangeError``;
adapters recognise the code in the message.
"""

from __future__ import annotations

__all__ = ["SimApiError"]


class SimApiError(Exception):
    """An error answer: HTTP ``status`` with body ``{"code": code, "msg": msg}``."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status

    @classmethod
    def invalid_symbol(cls) -> SimApiError:
        """Unknown, not yet listed or delisted symbol."""
        return cls(-1121, "Invalid symbol.")

    @classmethod
    def not_api(cls) -> SimApiError:
        """A symbol that trades on the venue but not through the API."""
        return cls(10007, "symbol not support api")

    @classmethod
    def bad_param(cls, msg: str) -> SimApiError:
        """A missing or malformed request parameter."""
        return cls(400, msg)

    @classmethod
    def insufficient(cls) -> SimApiError:
        """Not enough free balance."""
        return cls(30004, "Insufficient position")

    @classmethod
    def order_not_found(cls) -> SimApiError:
        """No order with that id or client order id."""
        return cls(-2013, "Order does not exist.")

    def body(self) -> dict[str, object]:
        """Return the JSON body MEXC sends."""
        return {"code": self.code, "msg": self.msg}
