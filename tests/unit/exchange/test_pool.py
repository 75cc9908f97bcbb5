from __future__ import annotations

import asyncio

import pytest

from simbiot.exchange.pool import ConnectionPool


async def test_at_most_max_connections_in_flight() -> None:
    pool = ConnectionPool("mexc", 10)
    current = peak = 0

    async def request() -> None:
        nonlocal current, peak
        async with pool.slot():
            current += 1
            peak = max(peak, current)
            await asyncio.sleep(0.001)
            current -= 1

    await asyncio.gather(*(request() for _ in range(200)))
    assert peak == 10
    assert pool.peak_in_flight == 10
    assert pool.in_flight == 0


async def test_slot_is_released_on_error() -> None:
    pool = ConnectionPool("mexc", 1)
    with pytest.raises(RuntimeError):
        async with pool.slot():
            raise RuntimeError
    async with asyncio.timeout(1):
        async with pool.slot():
            assert pool.in_flight == 1


async def test_session_is_shared_bounded_and_reopened_after_close() -> None:
    pool = ConnectionPool("mexc", 7)
    session = pool.session()
    assert pool.session() is session
    assert session.connector is not None
    assert session.connector.limit == 7
    await pool.close()
    assert session.closed
    again = pool.session()
    assert again is not session
    await pool.close()


def test_rejects_zero_connections() -> None:
    with pytest.raises(ValueError):
        ConnectionPool("mexc", 0)
