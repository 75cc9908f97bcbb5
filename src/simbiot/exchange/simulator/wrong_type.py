"""Payloads whose values have the wrong JSON types, as a broken venue proxy might send."""

from __future__ import annotations

from typing import Any

__all__ = ["corrupt"]


def corrupt(payload: Any) -> Any:
    """Return ``payload`` with its shape kept but its leaf values of the wrong type.

    Rows become strings (the old bot's ``string indices must be integers``), objects keep
    their keys but numbers and numeric strings become objects, lists of objects are
    corrupted item by item.
    """
    if isinstance(payload, list):
        if payload and isinstance(payload[0], list):
            return [str(row[0]) if row else "" for row in payload]
        return [corrupt(item) for item in payload]
    if isinstance(payload, dict):
        return {key: _wrong(value) if key != "symbol" else value for key, value in payload.items()}
    return {"value": payload}


def _wrong(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return {"value": value}
    if isinstance(value, str):
        return {"value": value} if _numeric(value) else value
    if isinstance(value, list):
        return corrupt(value)
    if isinstance(value, dict):
        return corrupt(value)
    return value


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
