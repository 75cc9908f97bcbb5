from __future__ import annotations

from simbiot.signals.model import Side, Signal
from simbiot.storage.database import Database
from simbiot.storage.repositories import signals as repo
from simbiot.storage.repositories.signals import DatabaseSignalRecorder


def _sig(symbol: str, ts: int, side: Side = Side.ENTRY_LONG, cid: str = "cfg1") -> Signal:
    return Signal(cid, symbol, side, 0.75, f"reason {symbol}", ts, 0.0125, 61.5)


async def test_recorder_stores_once_and_reads_back(database: Database) -> None:
    recorder = DatabaseSignalRecorder(database)
    batch = [_sig("BTC/USDT", 1000), _sig("ETH/USDT", 1000), _sig("BTC/USDT", 1000, Side.EXIT_LONG)]
    assert await recorder.record(batch) == 3
    # The same cycle again (a restart, a redelivery) stores nothing new.
    assert await recorder.record(batch) == 0
    assert await recorder.record([*batch, _sig("BTC/USDT", 2000)]) == 1
    async with database.transaction() as session:
        rows = await repo.list_for_config(session, config_id="cfg1")
        assert [(s.symbol, s.ts) for s in rows][:1] == [("BTC/USDT", 2000)]
        assert len(rows) == 4
        assert set(rows) >= set(batch)
        recent = await repo.list_for_config(session, config_id="cfg1", since_ts=2000)
        assert recent == [_sig("BTC/USDT", 2000)]
        by_symbol = await repo.list_for_symbol(session, symbol="ETH/USDT")
        assert by_symbol == [_sig("ETH/USDT", 1000)]


async def test_large_batches_are_chunked(database: Database) -> None:
    recorder = DatabaseSignalRecorder(database)
    batch = [_sig(f"S{i}/USDT", 5000, cid=f"c{i % 7}") for i in range(1_234)]
    assert await recorder.record(batch) == 1_234
    async with database.transaction() as session:
        assert len(await repo.list_for_config(session, config_id="c0", limit=10_000)) == 177


async def test_empty_batch_is_a_no_op(database: Database) -> None:
    assert await DatabaseSignalRecorder(database).record([]) == 0
