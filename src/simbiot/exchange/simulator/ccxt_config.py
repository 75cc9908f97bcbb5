"""The ccxt constructor configuration that points a client at the simulator."""

from __future__ import annotations

from typing import Any

import ccxt

from simbiot.exchange.ccxt.urls import rebase_urls

__all__ = ["ccxt_config"]


def ccxt_config(
    base_url: str,
    exchange: str = "mexc",
    api_key: str | None = None,
    secret: str | None = None,
) -> dict[str, Any]:
    """Return a ready ccxt config: URLs rebased on ``base_url``, spot markets only.

    For ``mexc`` the simulator also answers the contract-detail request ccxt makes while
    loading markets (with an empty list). For ``binance``, only spot markets and no
    currency (sapi) request are asked for; Binance routes live under ``/binance``.

    ccxt's ``fetch_ohlcv(since=...)`` bounds its request by the local wall clock; the
    simulated clock therefore starts in the past by default (30 days), so klines are never
    cut short while simulated time stays behind the wall clock.
    """
    cls = getattr(ccxt, exchange)
    target = base_url.rstrip("/") + ("/binance" if exchange == "binance" else "")
    urls = dict(cls().describe()["urls"])
    urls["api"] = rebase_urls(urls["api"], target)
    options: dict[str, Any] = {"adjustForTimeDifference": False, "defaultType": "spot"}
    if exchange == "binance":
        options.update(fetchMarkets=["spot"], fetchCurrencies=False)
    config: dict[str, Any] = {"urls": urls, "options": options, "enableRateLimit": False}
    if api_key is not None:
        config["apiKey"] = api_key
    if secret is not None:
        config["secret"] = secret
    return config
