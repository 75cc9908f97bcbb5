"""Reversible file names for symbols: ``BTC/USDT`` ↔ ``BTC_USDT``, ``BTC/USDT:USDT`` ↔ ``BTC_USDT%3AUSDT``."""

from __future__ import annotations

import string

__all__ = ["symbol_from_stem", "symbol_to_stem"]

_SAFE = frozenset(string.ascii_letters + string.digits + "-.")


def symbol_to_stem(symbol: str) -> str:
    """Return the file-name stem of ``symbol``; ``/`` becomes ``_``, anything unusual ``%XX``."""
    if not symbol:
        raise ValueError("empty symbol")
    out = []
    for i, ch in enumerate(symbol):
        if ch == "/":
            out.append("_")
        elif ch in _SAFE and not (i == 0 and ch == "."):
            out.append(ch)
        else:
            # "_" itself is encoded so that "_" in a stem always means "/".
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
    return "".join(out)


def symbol_from_stem(stem: str) -> str:
    """Reverse :func:`symbol_to_stem`; raise ValueError on a malformed stem."""
    raw = bytearray()
    i = 0
    while i < len(stem):
        ch = stem[i]
        if ch == "%":
            part = stem[i + 1 : i + 3]
            if len(part) != 2 or any(h not in string.hexdigits for h in part):
                raise ValueError(f"bad escape in file name {stem!r}")
            raw.append(int(part, 16))
            i += 3
            continue
        raw.extend(b"/" if ch == "_" else ch.encode("utf-8"))
        i += 1
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"bad escape in file name {stem!r}") from exc
