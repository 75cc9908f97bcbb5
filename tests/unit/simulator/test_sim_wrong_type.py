"""Corruption of payload types for the wrong_type fault."""

from __future__ import annotations

from simbiot.exchange.simulator.wrong_type import corrupt


def test_rows_become_strings() -> None:
    assert corrupt([[1, "2", "3"], [4, "5"]]) == ["1", "4"]


def test_numbers_become_objects_keys_and_symbols_stay() -> None:
    out = corrupt({"symbol": "BTCUSDT", "lastPrice": "1.5", "count": 3, "flag": True, "name": "x"})
    assert out == {
        "symbol": "BTCUSDT",
        "lastPrice": {"value": "1.5"},
        "count": {"value": 3},
        "flag": True,
        "name": "x",
    }


def test_lists_of_objects_are_corrupted_item_by_item() -> None:
    out = corrupt([{"symbol": "A", "price": "1"}, {"symbol": "B", "price": 2}])
    assert out == [{"symbol": "A", "price": {"value": "1"}}, {"symbol": "B", "price": {"value": 2}}]
    assert corrupt("text") == {"value": "text"}
    assert corrupt({"bids": [["1", "2"]]}) == {"bids": ["1"]}
