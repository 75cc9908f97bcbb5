from __future__ import annotations

import asyncio
import inspect
from decimal import InvalidOperation

import aiohttp
import ccxt
import ccxt.async_support as ccxt_async
import pytest
from ccxt.base import errors as ccxt_errors

from simbiot.domain import errors as e
from simbiot.exchange.ccxt.errors import (
    install_header_capture,
    retry_after_seconds,
    translate,
    translating,
)

EXPECTED: dict[str, type[e.SimbiotError]] = {
    "BaseError": e.NetworkError,
    "ExchangeError": e.NonRetryableError,
    "ArgumentsRequired": e.NonRetryableError,
    "AuthenticationError": e.AuthenticationError,
    "AccountSuspended": e.AuthenticationError,
    "PermissionDenied": e.AuthenticationError,
    "AccountNotEnabled": e.AuthenticationError,
    "BadRequest": e.NonRetryableError,
    "BadSymbol": e.BadSymbol,
    "ExchangeClosedByUser": e.NonRetryableError,
    "InsufficientFunds": e.InsufficientFunds,
    "InvalidAddress": e.NonRetryableError,
    "AddressPending": e.NonRetryableError,
    "InvalidOrder": e.InvalidOrder,
    "ContractUnavailable": e.InvalidOrder,
    "DuplicateOrderId": e.InvalidOrder,
    "OrderImmediatelyFillable": e.InvalidOrder,
    "OrderNotCached": e.OrderNotFound,
    "OrderNotFillable": e.InvalidOrder,
    "OrderNotFound": e.OrderNotFound,
    "InvalidProxySettings": e.NonRetryableError,
    "NotSupported": e.NonRetryableError,
    "OperationRejected": e.NonRetryableError,
    "ManualInteractionNeeded": e.FatalExchangeError,
    "MarketClosed": e.BadSymbol,
    "NoChange": e.NonRetryableError,
    "MarginModeAlreadySet": e.NonRetryableError,
    "RestrictedLocation": e.FatalExchangeError,
    "OperationFailed": e.NetworkError,
    "BadResponse": e.MalformedPayload,
    "NullResponse": e.MalformedPayload,
    "CancelPending": e.ExchangeUnavailable,
    "NetworkError": e.NetworkError,
    "DDoSProtection": e.RateLimited,
    "ExchangeNotAvailable": e.ExchangeUnavailable,
    "OnMaintenance": e.ExchangeUnavailable,
    "InvalidNonce": e.NetworkError,
    "ChecksumError": e.NetworkError,
    "RateLimitExceeded": e.RateLimited,
    "RequestTimeout": e.NetworkError,
    "UnsubscribeError": e.NetworkError,
}


def _ccxt_classes() -> list[type[BaseException]]:
    return [
        cls
        for cls in vars(ccxt_errors).values()
        if inspect.isclass(cls) and issubclass(cls, ccxt_errors.BaseError)
    ]


def test_table_covers_every_ccxt_exception_class() -> None:
    assert {c.__name__ for c in _ccxt_classes()} == set(EXPECTED)


@pytest.mark.parametrize("cls", _ccxt_classes(), ids=lambda c: c.__name__)
def test_each_ccxt_class_maps_to_its_domain_error(cls: type[BaseException]) -> None:
    exc = cls("mexc boom")
    out = translate(exc, exchange="mexc", symbol="BTC/USDT")
    assert type(out) is EXPECTED[cls.__name__]
    assert out.__cause__ is exc
    if isinstance(out, e.ExchangeError):
        assert out.exchange == "mexc"
        assert out.symbol == "BTC/USDT"
    else:
        assert "BTC/USDT" in str(out)


@pytest.mark.parametrize(
    "exc",
    [
        TypeError("string indices must be integers"),
        KeyError("close"),
        IndexError("list index out of range"),
        ValueError("could not convert"),
        AttributeError("'str' object has no attribute 'get'"),
        InvalidOperation(),
    ],
)
def test_parser_crashes_become_malformed_payload(exc: Exception) -> None:
    out = translate(exc, exchange="mexc", symbol="AIMMT/USDT")
    assert isinstance(out, e.MalformedPayload)
    assert "AIMMT/USDT" in str(out)


@pytest.mark.parametrize(
    "exc",
    [RuntimeError("?"), OSError("reset"), TimeoutError(), aiohttp.ClientError("x")],
)
def test_unknown_and_transport_errors_default_to_network_error(exc: Exception) -> None:
    out = translate(exc, exchange="bybit")
    assert type(out) is e.NetworkError
    assert out.__cause__ is exc


def test_domain_errors_pass_through() -> None:
    err = e.InvalidOrder("x", exchange="mexc")
    assert translate(err, exchange="mexc") is err


def test_retry_after_from_header_case_insensitive() -> None:
    exc = ccxt.RateLimitExceeded("mexc GET /api/v3/klines 429 Too Many Requests")
    out = translate(exc, exchange="mexc", headers={"retry-after": "7"})
    assert isinstance(out, e.RateLimited)
    assert out.retry_after == 7.0
    ban = translate(ccxt.DDoSProtection("418"), exchange="mexc", headers={"Retry-After": "120"})
    assert isinstance(ban, e.RateLimited)
    assert ban.retry_after == 120.0


def test_retry_after_from_text_and_unusable_values() -> None:
    assert retry_after_seconds(ccxt.RateLimitExceeded('{"msg": "retry after 3.5s"}')) == 3.5
    assert retry_after_seconds(ccxt.RateLimitExceeded("429")) is None
    date = {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    assert retry_after_seconds(ccxt.RateLimitExceeded("429"), date) is None
    assert retry_after_seconds(ccxt.RateLimitExceeded("429"), {"Retry-After": "-3"}) is None
    # Only rate limits carry a wait.
    out = translate(ccxt.ExchangeNotAvailable("503"), exchange="m", headers={"Retry-After": "5"})
    assert isinstance(out, e.ExchangeUnavailable)
    assert out.retry_after is None


async def test_translating_context_manager() -> None:
    with pytest.raises(e.BadSymbol) as info:
        async with translating("mexc", "X/USDT"):
            raise ccxt.BadSymbol("mexc symbol not support api")
    assert info.value.symbol == "X/USDT"
    assert isinstance(info.value.__cause__, ccxt.BadSymbol)
    with pytest.raises(e.InsufficientFunds):
        async with translating("mexc"):
            raise e.InsufficientFunds("already ours")
    with pytest.raises(asyncio.CancelledError):
        async with translating("mexc"):
            raise asyncio.CancelledError


async def test_header_capture_feeds_retry_after_per_task() -> None:
    client = ccxt_async.mexc()
    install_header_capture(client)

    async def refused(seconds: str) -> float | None:
        try:
            async with translating("mexc"):
                client.on_rest_response(
                    429, "Too Many", "u", "GET", {"Retry-After": seconds}, "", {}, None
                )
                await asyncio.sleep(0)  # let the other task record its own headers
                raise ccxt.RateLimitExceeded("429")
        except e.RateLimited as exc:
            return exc.retry_after
        return None

    try:
        assert await asyncio.gather(refused("3"), refused("9")) == [3.0, 9.0]
    finally:
        await client.close()


@pytest.mark.parametrize(
    "exc",
    [
        ccxt.ExchangeError('mexc {"code":-2013,"msg":"Order does not exist."}'),
        ccxt.BadRequest('mexc {"code": -2011, "msg": "Unknown order sent."}'),
    ],
)
def test_venue_specific_not_found_codes(exc: Exception) -> None:
    assert type(translate(exc, exchange="mexc")) is e.OrderNotFound
    # The markers are the venue's own: elsewhere the generic class stands.
    assert type(translate(exc, exchange="bybit")) is e.NonRetryableError
    other = ccxt.ExchangeError('mexc {"code":-1,"msg":"x"}')
    assert type(translate(other, exchange="mexc")) is e.NonRetryableError


def test_dropped_connection_is_a_network_error() -> None:
    exc = ccxt.ExchangeNotAvailable("mexc GET /api/v3/klines")
    exc.__cause__ = aiohttp.ServerDisconnectedError()
    assert type(translate(exc, exchange="mexc")) is e.NetworkError
    # Without a transport cause it is the venue being unavailable.
    assert (
        type(translate(ccxt.ExchangeNotAvailable("503"), exchange="mexc")) is e.ExchangeUnavailable
    )


async def test_non_json_success_body_is_malformed() -> None:
    client = ccxt_async.mexc()
    install_header_capture(client)
    try:

        async def broken_body() -> None:
            async with translating("mexc", "BTC/USDT"):
                client.on_rest_response(200, "OK", "u", "GET", {}, "[[1,2", {}, None)
                assert client.parse_json("[[1,2") is None

        with pytest.raises(e.MalformedPayload, match="BTC/USDT"):
            await broken_body()
        # Error statuses and empty bodies are left to ccxt's own handling.
        async with translating("mexc"):
            client.on_rest_response(503, "x", "u", "GET", {}, "<html>", {}, None)
            client.parse_json("<html>")
        async with translating("mexc"):
            client.on_rest_response(200, "OK", "u", "GET", {}, "", {}, None)
            client.parse_json("")
        # Only the body right after a response is judged, not later parses of fields.
        async with translating("mexc"):
            client.on_rest_response(200, "OK", "u", "GET", {}, "[]", {}, None)
            assert client.parse_json("[]") == []
            assert client.parse_json("not json") is None
    finally:
        await client.close()
