"""Point a ccxt client's API URLs at another host (the market simulator, a proxy)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["rebase_urls"]


def _rebase(url: str, base: str) -> str:
    target = urlsplit(base.rstrip("/"))
    src = urlsplit(url)
    # Keep the venue's path (e.g. "/api/v3") so route tables stay those of the real venue.
    path = target.path + src.path
    return urlunsplit((target.scheme, target.netloc, path, src.query, src.fragment))


def rebase_urls(api_urls: Any, base_url: str) -> Any:
    """Return a copy of ccxt's ``urls['api']`` with every URL's scheme and host replaced.

    Nested dicts are walked; ``{hostname}`` placeholders (bybit) are rebased too, so the
    result needs no hostname substitution.
    """
    if isinstance(api_urls, dict):
        return {key: rebase_urls(value, base_url) for key, value in api_urls.items()}
    if isinstance(api_urls, str):
        return _rebase(api_urls.replace("{hostname}", "placeholder.invalid"), base_url)
    return api_urls
