from __future__ import annotations

import pytest
from pydantic import SecretStr

from simbiot.config.sections import ExchangeSettings
from simbiot.exchange.ccxt.factory import Credentials, create_client
from simbiot.exchange.pool import ConnectionPool


@pytest.mark.parametrize("venue", ["mexc", "binance", "bybit"])
async def test_client_from_settings(venue: str) -> None:
    settings = ExchangeSettings(base_url="http://127.0.0.1:9", timeout_s=3.5)
    creds = Credentials(SecretStr("KEY"), SecretStr("SECRET"), SecretStr("PASS"))
    pool = ConnectionPool(venue, 10)
    client = create_client(venue, settings, credentials=creds, session=pool.session())
    try:
        assert client.id == venue
        assert client.enableRateLimit is False
        assert client.timeout == 3500
        assert client.options["defaultType"] == "spot"
        assert (client.apiKey, client.secret, client.password) == ("KEY", "SECRET", "PASS")
        assert client.session is pool.session()
        assert client.own_session is False

        def urls(node: object) -> list[str]:
            if isinstance(node, dict):
                return [u for v in node.values() for u in urls(v)]
            return [node] if isinstance(node, str) else []

        assert all(u.startswith("http://127.0.0.1:9") for u in urls(client.urls["api"]))
    finally:
        await client.close()
        await pool.close()


async def test_defaults_keep_venue_urls_and_hide_secrets() -> None:
    client = create_client("mexc", ExchangeSettings())
    try:
        assert "mexc.com" in client.urls["api"]["spot"]["public"]
        assert client.apiKey in ("", None)
    finally:
        await client.close()
    creds = Credentials(SecretStr("KEY"), SecretStr("SECRET"))
    assert "KEY" not in repr(creds)
    assert "SECRET" not in repr(creds)
    # Options are copied: one client's changes never leak into the table.
    a = create_client("binance", ExchangeSettings())
    a.options["fetchMarkets"]["types"].append("linear")
    b = create_client("binance", ExchangeSettings())
    assert b.options["fetchMarkets"]["types"] == ["spot"]
    await a.close()
    await b.close()
