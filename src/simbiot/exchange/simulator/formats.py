"""Numbers as the venue writes them: decimal strings at a market's precision."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal

__all__ = ["dec", "ffmt", "fmt", "quantize"]

_ROUNDING = {"down": ROUND_DOWN, "up": ROUND_UP, "half": ROUND_HALF_EVEN}


def quantize(value: Decimal, decimals: int, rounding: str = "half") -> Decimal:
    """Round ``value`` to ``decimals`` places (``rounding``: "down", "up" or "half")."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=_ROUNDING[rounding])


def dec(value: float, decimals: int, rounding: str = "half") -> Decimal:
    """Return the float ``value`` as a Decimal with ``decimals`` places."""
    return quantize(Decimal(repr(float(value))), decimals, rounding)


def fmt(value: Decimal) -> str:
    """Return ``value`` as a plain decimal string without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def ffmt(value: float, decimals: int) -> str:
    """Return ``value`` rounded to ``decimals`` places as a plain string (no trailing zeros).

    The fast path for market data, where thousands of numbers go out per request.
    """
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
