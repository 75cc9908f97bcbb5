"""The JSON body checks: depth on raw bytes (strings ignored), overflowing numbers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simbiot.api.limits.json_body import BodyRejected, check_json, json_depth


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(json_values)
def test_depth_on_bytes_equals_the_depth_of_the_parsed_value(value: object) -> None:
    assert json_depth(json.dumps(value).encode()) == _depth(value)


def test_brackets_in_strings_and_escaped_quotes_are_ignored() -> None:
    assert json_depth(b'{"a": "[[[{{{\\"]]]", "b": [1]}') == 2
    assert json_depth(b"42") == 0
    assert json_depth(b"") == 0


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"[" * 9 + b"]" * 9, 413, "json_too_deep"),
        (b'{"x": 1e309}', 422, "invalid_json"),
        (b'{"x": NaN}', 422, "invalid_json"),
        (b'{"x": -Infinity}', 422, "invalid_json"),
        (b'{"x": 1,}', 422, "invalid_json"),
    ],
)
def test_bad_bodies_are_rejected(raw: bytes, status: int, code: str) -> None:
    with pytest.raises(BodyRejected) as info:
        check_json(raw, max_depth=8)
    assert (info.value.status, info.value.code) == (status, code)


def test_a_body_at_the_depth_limit_passes() -> None:
    check_json(b"[" * 8 + b"]" * 8, max_depth=8)
    check_json(b'{"x": 1.7976931348623157e308}', max_depth=2)
