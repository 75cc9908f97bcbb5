from __future__ import annotations

import ccxt.async_support as ccxt_async
import pytest

from simbiot.domain.errors import ConfigError
from simbiot.exchange.capabilities import VENUES, Endpoint, VenueCapabilities, capabilities


def test_known_venues_and_quirks() -> None:
    assert set(VENUES) == {"mexc", "binance", "bybit"}
    mexc = capabilities("mexc")
    assert mexc.stop_orders is False
    assert mexc.my_trades_needs_symbol is True
    assert mexc.markets_method == "fetch_spot_markets"
    assert capabilities("bybit").my_trades_needs_symbol is False
    with pytest.raises(ConfigError, match="unsupported"):
        capabilities("kraken")


@pytest.mark.parametrize("venue", sorted(VENUES))
async def test_every_venue_is_consistent_with_ccxt(venue: str) -> None:
    caps = capabilities(venue)
    client = getattr(ccxt_async, venue)()
    try:
        assert callable(getattr(client, caps.markets_method))
        for endpoint in Endpoint.ALL:
            assert caps.weight(endpoint) >= 1
        # Every option we override is one ccxt knows (a typo would be silently ignored).
        for key in caps.ccxt_options:
            assert key in client.options, key
    finally:
        await client.close()


def test_unknown_endpoint_and_missing_weights() -> None:
    with pytest.raises(ConfigError, match="unknown endpoint"):
        capabilities("mexc").weight("teleport")
    with pytest.raises(ConfigError, match="no weight"):
        VenueCapabilities(
            venue="x",
            ohlcv_limit=1,
            stop_orders=False,
            market_buy_by_cost=False,
            client_order_id_param="clientOrderId",
            client_order_id_wire="cid",
            client_order_id_max_len=8,
            my_trades_needs_symbol=True,
            open_orders_needs_symbol=True,
            markets_method="fetch_markets",
            weights={"ohlcv": 1},
        )


def test_client_order_id_length() -> None:
    caps = capabilities("mexc")
    caps.check_client_order_id("a" * 32)
    with pytest.raises(ConfigError):
        caps.check_client_order_id("a" * 33)
    with pytest.raises(ConfigError):
        caps.check_client_order_id("")
