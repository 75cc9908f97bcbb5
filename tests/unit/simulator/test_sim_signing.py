"""MEXC request signing checks."""

from __future__ import annotations

import pytest

from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.signing import sign, verify

NOW = 1_700_000_000_000


def _signed(secret: str, query: str) -> tuple[str, dict[str, str]]:
    raw = f"{query}&signature={sign(secret, query)}"
    params = dict(p.split("=", 1) for p in raw.split("&"))
    return raw, params


def test_valid_signature_passes() -> None:
    raw, params = _signed("s3cret", f"symbol=BTCUSDT&timestamp={NOW}&recvWindow=5000")
    verify(secret="s3cret", raw_query=raw, body="", params=params, server_ms=NOW + 100)


def test_known_vector() -> None:
    # HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")
    assert sign("key", "The quick brown fox jumps over the lazy dog") == (
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


@pytest.mark.parametrize(
    ("secret", "query", "server_ms", "code"),
    [
        ("other", f"timestamp={NOW}", NOW, 700002),
        ("s3cret", f"timestamp={NOW - 6000}&recvWindow=5000", NOW, 700003),
        ("s3cret", f"timestamp={NOW + 5000}", NOW, 700003),
        ("s3cret", f"timestamp={NOW}&recvWindow=70000", NOW, 700005),
        ("s3cret", "timestamp=soon", NOW, 700003),
    ],
)
def test_rejections(secret: str, query: str, server_ms: int, code: int) -> None:
    raw, params = _signed(secret, query)
    with pytest.raises(SimApiError) as info:
        verify(secret="s3cret", raw_query=raw, body="", params=params, server_ms=server_ms)
    assert info.value.code == code


def test_missing_signature_and_tampered_query() -> None:
    with pytest.raises(SimApiError):
        verify(
            secret="s",
            raw_query=f"timestamp={NOW}",
            body="",
            params={"timestamp": str(NOW)},
            server_ms=NOW,
        )
    raw, params = _signed("s", f"quantity=1&timestamp={NOW}")
    with pytest.raises(SimApiError):
        verify(
            secret="s",
            raw_query=raw.replace("quantity=1", "quantity=9"),
            body="",
            params=params,
            server_ms=NOW,
        )
