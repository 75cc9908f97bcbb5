"""Candle sync against the market simulator: request rate vs the weight limit, CPU per candle.

The simulator runs in a child process (its CPU is not ours); this process runs the real
stack: ccxt client → shared limiter and pool → ``CandleSync`` → Parquet store, cache, bus.
Figures: achieved request weight per second as a fraction of the configured limit (goal
≥ 0.9: the limiter must not leave budget unused), 429 answers (goal 0), peak concurrent
requests seen by the venue (≤ 10), and this process's CPU time per candle ingested.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

H = 3_600_000


def _serve(conn: Connection, symbols: int, limit: int, start_ms: int) -> None:
    from simbiot.exchange.simulator.config import SimulatorConfig
    from simbiot.exchange.simulator.server import SimulatorServer

    async def main() -> None:
        server = SimulatorServer(
            SimulatorConfig(
                symbols=symbols,
                seed=11,
                timeframe="1h",
                history_candles=600,
                start_ms=start_ms,
                manual_clock=True,
                ip_weight_per_minute=limit,
                listing_share=0.0,
                delisting_share=0.0,
                not_api_share=0.0,
            )
        )
        url = await server.start()
        conn.send((url, server.now_ms()))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        records = server.records
        conn.send(
            {
                "requests": len(records),
                "weight": sum(r.weight for r in records if r.status == 200),
                "status_429": sum(1 for r in records if r.status == 429),
                "status_418": sum(1 for r in records if r.status == 418),
                "max_in_flight": server.max_in_flight,
            }
        )
        await server.stop()

    asyncio.run(main())


async def _sync(url: str, now_ms: int, limit: int, data_dir: Path) -> tuple[Any, float, float]:
    from simbiot.bus.memory import MemoryBus
    from simbiot.cache.memory import MemoryCache
    from simbiot.config.sections import (
        CacheTTLSettings,
        DataSettings,
        ExchangeSettings,
        ExchangesSettings,
        RateLimitSettings,
    )
    from simbiot.data.audit import MemoryQuarantineAudit
    from simbiot.data.candle_store import ParquetCandleStore
    from simbiot.data.quarantine import Quarantine
    from simbiot.data.sync import CandleSync
    from simbiot.data.universe import Universe
    from simbiot.domain.clock import LiveClock, SimulatedClock
    from simbiot.exchange.clients import ClientRegistry
    from simbiot.exchange.throttle.memory import MemoryRateLimiter

    # Candle time follows the simulator; request pacing needs real time.
    clock = SimulatedClock(now_ms)
    wall = LiveClock()
    # The client keeps 5 % headroom: its limiter's opening burst must fit the venue's window.
    budget = RateLimitSettings(ip_weight_per_minute=int(limit * 0.95))
    venue = ExchangeSettings(base_url=url, rate_limit=budget)
    registry = ClientRegistry(
        ExchangesSettings(venues={"mexc": venue}), MemoryRateLimiter(wall), wall
    )
    md = registry.market_data("mexc")
    cache = MemoryCache(clock=clock)
    quarantine = Quarantine(cache, clock, 86_400, 3, MemoryQuarantineAudit(), exchange="mexc")
    sync = CandleSync(
        md,
        ParquetCandleStore(data_dir, "mexc", "1h"),
        cache,
        MemoryBus(clock=clock),
        quarantine,
        clock,
        DataSettings(history_candles=500),
        CacheTTLSettings(),
        universe=Universe(md, cache, clock, 86_400, "USDT"),
    )
    try:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        report = await sync.run()
        return report, time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        await registry.close_all()


def _load_frame_ms(data_dir: Path) -> tuple[float, float, tuple[int, int]]:
    """Time the analyzer's read of the synced store: cold (fresh store) and warm."""
    from simbiot.data.candle_store import ParquetCandleStore

    store = ParquetCandleStore(data_dir, "mexc", "1h")
    t0 = time.perf_counter()
    frame = store.load_frame(None, 500)
    t1 = time.perf_counter()
    store.load_frame(None, 500)
    t2 = time.perf_counter()
    return (t1 - t0) * 1e3, (t2 - t1) * 1e3, frame.shape


def run(quick: bool = False) -> dict[str, Any]:
    """Sync ``symbols`` × 500 candles from the simulator; return the figures."""
    symbols = 250 if quick else 2000
    limit = 1_200  # MEXC's documented IP weight per minute, on both sides
    start_ms = (int(time.time() * 1000) // H - 24 * 60) * H
    parent, child = mp.get_context("spawn").Pipe()
    proc = mp.get_context("spawn").Process(
        target=_serve, args=(child, symbols, limit, start_ms), daemon=True
    )
    proc.start()
    try:
        url, now_ms = parent.recv()
        with tempfile.TemporaryDirectory() as tmp:
            report, cpu_s, wall_s = asyncio.run(_sync(url, now_ms, limit, Path(tmp)))
            cold_ms, warm_ms, shape = _load_frame_ms(Path(tmp))
        parent.send("stop")
        venue = parent.recv()
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    rate = venue["weight"] / wall_s
    # The limiter lets one burst through at once (limit / 20); the rest is paced.
    steady = (venue["weight"] - int(limit * 0.95) // 20) / wall_s
    return {
        "symbols": report.symbols_ok,
        "symbols_failed": report.symbols_failed,
        "candles": report.candles,
        "requests": venue["requests"],
        "weight_limit_per_min": limit,
        "achieved_weight_per_s": round(rate, 2),
        "rate_fraction_of_limit": round(rate / (limit / 60), 3),
        "paced_rate_fraction_of_limit": round(steady / (limit / 60), 3),
        "goal_rate_fraction": 0.9,
        "status_429": venue["status_429"],
        "status_418": venue["status_418"],
        "max_in_flight": venue["max_in_flight"],
        "sync_wall_s": round(wall_s, 2),
        "cpu_s": round(cpu_s, 2),
        "cpu_us_per_candle": round(cpu_s / max(report.candles, 1) * 1e6, 3),
        "load_frame_shape": list(shape),
        "load_frame_cold_ms": round(cold_ms, 1),
        "load_frame_warm_ms": round(warm_ms, 1),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
