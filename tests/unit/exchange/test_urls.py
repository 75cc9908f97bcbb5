from __future__ import annotations

import ccxt.async_support as ccxt_async

from simbiot.exchange.ccxt.urls import rebase_urls


def test_mexc_urls_keep_their_paths() -> None:
    api = ccxt_async.mexc().describe()["urls"]["api"]
    out = rebase_urls(api, "http://127.0.0.1:8765")
    assert out["spot"]["public"] == "http://127.0.0.1:8765"
    assert out["contract"]["public"] == "http://127.0.0.1:8765/api/v1/contract"


def test_placeholders_and_base_paths() -> None:
    out = rebase_urls({"a": "https://api.{hostname}/v5", "n": 3}, "http://h:1/prefix/")
    assert out == {"a": "http://h:1/prefix/v5", "n": 3}
