"""The envelope's wire format: round trip and rejection of anything else."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.bus.envelope import Envelope
from simbiot.domain.errors import DataError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=15,
)


@settings(deadline=None)
@given(
    topic=st.text(min_size=1),
    type_=st.text(min_size=1),
    payload=st.dictionaries(st.text(), json_values, max_size=5),
    ts=st.integers(0, 2**62),
    version=st.integers(1, 1_000),
    headers=st.dictionaries(st.text(), st.text(), max_size=3),
)
def test_round_trip(
    topic: str,
    type_: str,
    payload: dict[str, object],
    ts: int,
    version: int,
    headers: dict[str, str],
) -> None:
    env = Envelope(topic, type_, payload, ts, version, headers=headers)
    assert Envelope.decode(env.encode()) == env


@settings(deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_data_error(raw: bytes) -> None:
    with pytest.raises(DataError):
        Envelope.decode(raw)


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"schema": 2},
        {"schema": 1},
        {
            "schema": 1,
            "id": "x",
            "topic": "t",
            "type": "y",
            "version": 1,
            "ts_ms": 1,
            "payload": [],
        },
        {
            "schema": 1,
            "id": "x",
            "topic": "t",
            "type": "y",
            "version": "v",
            "ts_ms": 1,
            "payload": {},
        },
        {
            "schema": 1,
            "id": "x",
            "topic": "t",
            "type": "y",
            "version": 1,
            "ts_ms": 1,
            "payload": {},
            "headers": None,
        },
    ],
)
def test_wrong_shapes_are_data_errors(doc: object) -> None:
    with pytest.raises(DataError):
        Envelope.decode(orjson.dumps(doc))
