"""Replay of the real candles in ../shared/data through ccxt."""

from __future__ import annotations

from pathlib import Path

import ccxt.async_support as ccxt_async
import pyarrow.parquet as pq
import pytest

from simbiot.exchange.simulator import SimulatorConfig, SimulatorServer, ccxt_config

pytestmark = pytest.mark.realdata


async def test_replayed_candles_are_the_files_shifted_in_time(shared_data: Path) -> None:
    directory = shared_data / "ohlcv" / "binance" / "1h"
    start = 1_900_000_000_000
    server = SimulatorServer(
        SimulatorConfig(
            replay_dir=directory, symbols=20, manual_clock=True, start_ms=start, history_candles=100
        )
    )
    base_url = await server.start()
    client = ccxt_async.mexc(ccxt_config(base_url))
    try:
        markets = await client.load_markets()
        assert next(iter(markets)) == "BTC/USDT"
        assert {"ETH/USDT", "BNB/USDT"} - set(markets) == {"BNB/USDT"}  # no BNB file in 1h
        assert len(markets) == 20
        rows = await client.fetch_ohlcv("BTC/USDT", "1h", limit=100)
        table = pq.read_table(directory / "BTC_USDT.parquet").to_pandas()
        # The current candle is file row 100 (history_candles), the oldest shown row 1.
        assert rows[-1][0] == start - start % 3_600_000
        assert rows[-1][0] - rows[0][0] == 99 * 3_600_000
        for got, row in ((rows[0], table.iloc[1]), (rows[-1], table.iloc[100])):
            expected = [row["open"], row["high"], row["low"], row["close"], row["volume"]]
            assert got[1:] == pytest.approx(expected, rel=1e-6)
        server.advance(3 * 3_600_000)
        later = await client.fetch_ohlcv("BTC/USDT", "1h", limit=1)
        assert later[0][0] == rows[-1][0] + 3 * 3_600_000
        assert later[0][4] == pytest.approx(table["close"].iloc[103], rel=1e-6)
        minutes = await client.fetch_ohlcv("BTC/USDT", "4h", limit=2)
        assert len(minutes) == 2
    finally:
        await client.close()
        await server.stop()


async def test_replay_lists_symbols_when_their_data_starts(shared_data: Path) -> None:
    directory = shared_data / "ohlcv" / "binance" / "1h"
    server = SimulatorServer(
        SimulatorConfig(replay_dir=directory, symbols=200, manual_clock=True, history_candles=100)
    )
    u = server.markets.universe
    wif = u.by_symbol["WIF/USDT"]  # listed 2024-03-05, about 1,550 hours into the files
    assert not u.listed(wif, server.markets.current_index())
    server.advance(int(u.list_index[wif] - server.markets.current_index()) * 3_600_000)
    assert u.listed(wif, server.markets.current_index())
    assert len(u) == 136
