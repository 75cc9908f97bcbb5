"""Translate ccxt's exceptions into ``simbiot.domain.errors``, once, at the boundary.

::

    ccxt                                   simbiot
    RateLimitExceeded, DDoSProtection  ->  RateLimited          (retry_after from Retry-After)
    OnMaintenance, ExchangeNotAvailable->  ExchangeUnavailable
    CancelPending                      ->  ExchangeUnavailable
    ExchangeNotAvailable caused by a
    dropped connection (aiohttp, OSError) -> NetworkError       (the venue said nothing)
    RequestTimeout, InvalidNonce,
    other NetworkError / OperationFailed -> NetworkError
    BadResponse, NullResponse          ->  MalformedPayload
    AuthenticationError (+ subclasses) ->  AuthenticationError  (fatal)
    RestrictedLocation, ManualInteractionNeeded -> FatalExchangeError
    BadSymbol, MarketClosed            ->  BadSymbol
    InsufficientFunds                  ->  InsufficientFunds
    OrderNotFound, OrderNotCached      ->  OrderNotFound
    InvalidOrder (+ subclasses)        ->  InvalidOrder
    ExchangeError, BadRequest whose body
    holds a venue's "no such order" code ->  OrderNotFound        (capabilities table)
    other ccxt ExchangeError           ->  NonRetryableError
    TypeError, KeyError, ValueError …  ->  MalformedPayload     (ccxt's parser met bad data)
    anything else                      ->  NetworkError         (outcome unknown: the safe default)

The original exception is always chained (``__cause__``). A 2xx response whose body is not
JSON, which ccxt would hand to its parsers as text, raises ``MalformedPayload`` from
``translating`` (with ``install_header_capture`` on the client).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import InvalidOperation
from typing import Any

import aiohttp
import ccxt

from simbiot.domain import errors as e
from simbiot.exchange.capabilities import VENUES

__all__ = ["install_header_capture", "translate", "translating"]


@dataclass(slots=True)
class _Response:
    """What the current task's last HTTP response looked like."""

    headers: Mapping[str, str] | None = None
    status: int = 0
    not_json: bool = False
    checked: bool = True  # only the body right after a response is judged


# Per task, not the client's ``last_response_headers``: one client serves many tasks at once.
_LAST: ContextVar[_Response | None] = ContextVar("simbiot_ccxt_response", default=None)

_RETRY_AFTER_TEXT = re.compile(r"retry[-_ ]?after\D{0,4}(\d+(?:\.\d+)?)", re.IGNORECASE)

Factory = Callable[[str, str, str | None, float | None], e.SimbiotError]


def _retryable(cls: type[e.RetryableError]) -> Factory:
    def build(msg: str, exchange: str, symbol: str | None, retry_after: float | None) -> Any:
        return cls(msg, exchange=exchange, symbol=symbol, retry_after=retry_after)

    return build


def _plain(cls: type[e.ExchangeError]) -> Factory:
    def build(msg: str, exchange: str, symbol: str | None, retry_after: float | None) -> Any:
        return cls(msg, exchange=exchange, symbol=symbol)

    return build


def _malformed(msg: str, exchange: str, symbol: str | None, retry_after: float | None) -> Any:
    where = f" for {symbol}" if symbol else ""
    return e.MalformedPayload(f"{exchange}: malformed response{where}: {msg}")


# Looked up along the exception's MRO, so the most specific class wins.
_TABLE: dict[type[BaseException], Factory] = {
    ccxt.RateLimitExceeded: _retryable(e.RateLimited),
    ccxt.DDoSProtection: _retryable(e.RateLimited),
    ccxt.OnMaintenance: _retryable(e.ExchangeUnavailable),
    ccxt.ExchangeNotAvailable: _retryable(e.ExchangeUnavailable),
    ccxt.CancelPending: _retryable(e.ExchangeUnavailable),
    ccxt.RequestTimeout: _retryable(e.NetworkError),
    ccxt.InvalidNonce: _retryable(e.NetworkError),
    ccxt.NetworkError: _retryable(e.NetworkError),
    ccxt.BadResponse: _malformed,
    ccxt.OperationFailed: _retryable(e.NetworkError),
    ccxt.AuthenticationError: _plain(e.AuthenticationError),
    ccxt.RestrictedLocation: _plain(e.FatalExchangeError),
    ccxt.ManualInteractionNeeded: _plain(e.FatalExchangeError),
    ccxt.BadSymbol: _plain(e.BadSymbol),
    ccxt.MarketClosed: _plain(e.BadSymbol),
    ccxt.InsufficientFunds: _plain(e.InsufficientFunds),
    ccxt.OrderNotFound: _plain(e.OrderNotFound),
    ccxt.OrderNotCached: _plain(e.OrderNotFound),
    ccxt.InvalidOrder: _plain(e.InvalidOrder),
    ccxt.ExchangeError: _plain(e.NonRetryableError),
    ccxt.BaseError: _retryable(e.NetworkError),
    TimeoutError: _retryable(e.NetworkError),
    aiohttp.ClientError: _retryable(e.NetworkError),
    TypeError: _malformed,
    KeyError: _malformed,
    IndexError: _malformed,
    ValueError: _malformed,
    AttributeError: _malformed,
    InvalidOperation: _malformed,
}


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _order_not_found(exchange: str, exc: BaseException) -> bool:
    caps = VENUES.get(exchange)
    text = str(exc).replace(" ", "")
    return caps is not None and any(m in text for m in caps.order_not_found_markers)


def retry_after_seconds(
    exc: BaseException, headers: Mapping[str, str] | None = None
) -> float | None:
    """Return the wait the venue asked for, from the Retry-After header or the error text."""
    raw = _header(headers, "Retry-After")
    if raw is not None:
        try:
            value = float(raw.strip())
        except ValueError:
            value = -1.0  # an HTTP-date: not used, the backoff applies instead
        if value >= 0:
            return value
    match = _RETRY_AFTER_TEXT.search(str(exc))
    return float(match.group(1)) if match else None


def translate(
    exc: BaseException,
    *,
    exchange: str,
    symbol: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> e.SimbiotError:
    """Return the domain error for ``exc`` (an ``ExchangeError``, or ``MalformedPayload``).

    Domain errors pass through unchanged. Chain the result with ``raise ... from exc``.
    """
    if isinstance(exc, e.SimbiotError):
        return exc
    factory: Factory | None = None
    for cls in type(exc).__mro__:
        factory = _TABLE.get(cls)
        if factory is not None:
            break
    if factory is None:
        factory = _retryable(e.NetworkError)
    if type(exc) in (ccxt.ExchangeError, ccxt.BadRequest) and _order_not_found(exchange, exc):
        factory = _plain(e.OrderNotFound)
    retry_after = None
    if isinstance(exc, ccxt.DDoSProtection | ccxt.RateLimitExceeded):
        if headers is None:
            last = _LAST.get()
            headers = last.headers if last is not None else None
        retry_after = retry_after_seconds(exc, headers)
    if isinstance(exc, ccxt.ExchangeNotAvailable) and isinstance(
        exc.__cause__, aiohttp.ClientError | OSError
    ):
        factory = _retryable(e.NetworkError)
    message = f"{type(exc).__name__}: {exc}"[:500]
    result = factory(message, exchange, symbol, retry_after)
    result.__cause__ = exc
    return result


@asynccontextmanager
async def translating(exchange: str, symbol: str | None = None) -> AsyncIterator[None]:
    """Run the body and re-raise any failure as its domain error (cancellation passes)."""
    state = _Response()
    token = _LAST.set(state)
    try:
        yield
    except e.SimbiotError:
        raise
    except Exception as exc:
        raise translate(exc, exchange=exchange, symbol=symbol) from exc
    finally:
        _LAST.reset(token)
    if state.not_json:
        where = f" for {symbol}" if symbol else ""
        raise e.MalformedPayload(f"{exchange}: response{where} is not valid JSON")


def install_header_capture(client: Any) -> None:
    """Make ``client`` report each response's headers and JSON validity to ``translating``."""
    on_rest_response = client.on_rest_response
    parse_json = client.parse_json

    def on_response(
        code: Any,
        reason: Any,
        url: Any,
        method: Any,
        response_headers: Any,
        response_body: Any,
        request_headers: Any,
        request_body: Any,
    ) -> Any:
        state = _LAST.get()
        if state is not None:
            state.headers = dict(response_headers or {})
            state.status = int(code or 0)
            state.not_json = False
            state.checked = False
        return on_rest_response(
            code,
            reason,
            url,
            method,
            response_headers,
            response_body,
            request_headers,
            request_body,
        )

    def parse(body: Any) -> Any:
        parsed = parse_json(body)
        state = _LAST.get()
        if state is not None and not state.checked:
            state.checked = True
            state.not_json = 200 <= state.status < 300 and parsed is None and bool(body)
        return parsed

    client.on_rest_response = on_response
    client.parse_json = parse
